"""Shadow openai clients: the SDK's own machinery, pointed at Hugging Face servers through the upstream transport.

A routed call runs on a shadow client with the caller's options, so parsing, streaming, retries,
timeouts and exceptions are the SDK's own. There is one shadow per caller HTTP client (shared by
its `with_options()` copies), and upstream traffic rides that client's connection pool. Its
connections therefore live, close, and stay bound to an event loop exactly like the caller's own.
"""

from __future__ import annotations

import functools
import threading
import time
import weakref
from datetime import timedelta
from types import ModuleType
from typing import Any

from .._upstream.upstream import Upstream
from .http import module_of
from .transport import TranslatedStream, UpstreamTransport

# The shadow never talks to OpenAI and its transport drops SDK headers, so this key goes nowhere.
_PLACEHOLDER_KEY = "easyllm-shim-routes-to-tgi"
_PLACEHOLDER_BASE = "http://tgi.easyllm-shim.invalid/v1"


class Shadows:
    def __init__(self, upstream: Upstream) -> None:
        self.upstream = upstream
        self._by_http_client: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def for_client(self, client: Any) -> Any:
        """The shadow of an openai client (sync or async)."""
        http_client = client._client
        shadow = self._by_http_client.get(http_client)
        if shadow is None:
            with self._lock:
                shadow = self._by_http_client.get(http_client)
                if shadow is None:
                    shadow = self._by_http_client[http_client] = self._make(client)
        return shadow

    def _make(self, client: Any) -> Any:
        from openai import DEFAULT_MAX_RETRIES, NOT_GIVEN

        from .classes import ShadowAsyncOpenAI, ShadowOpenAI

        # Same package (httpx or httpx2) and same kind (sync or async) as the caller's client.
        http_client = client._client
        http = module_of(http_client)
        transport = UpstreamTransport(self.upstream, http_client)
        options: dict[str, Any] = {"api_key": _PLACEHOLDER_KEY, "base_url": _PLACEHOLDER_BASE}
        # The first caller's timeout and retries, so its calls need no options of their own (`wrapper.py`).
        options["timeout"] = getattr(client, "timeout", NOT_GIVEN)
        options["max_retries"] = getattr(client, "max_retries", DEFAULT_MAX_RETRIES)
        direct, async_direct = direct_clients(http)
        if isinstance(http_client, http.AsyncClient):
            return ShadowAsyncOpenAI(**options, http_client=async_direct(transport=transport))
        return ShadowOpenAI(**options, http_client=direct(transport=transport))


@functools.cache
def direct_clients(http: ModuleType) -> tuple[Any, Any]:
    """The shadow's HTTP clients, for httpx or httpx2: each request goes straight to the upstream transport.

    httpx's `Client.send` runs auth flows, redirects, cookie jars and event hooks: features for the
    servers a caller configures, which cost more per call than the whole OpenAI ⇄ TGI translation.
    The shadow only ever talks to its own transport (which reaches the server through the caller's pool),
    so it skips them, keeping what the SDK reads: `response.request` and `response.elapsed`.
    """

    class DirectClient(http.Client):  # type: ignore[misc,name-defined]
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self._headers = http.Headers()  # httpx's defaults would be merged into every request, then dropped

        def send(self, request: Any, *, stream: bool = False, **_: Any) -> Any:
            started = time.perf_counter()
            response = self._transport.handle_request(request)
            response.request = request
            if stream:
                _time_until_closed(response, started)
            else:
                try:
                    response.read()
                finally:
                    response.elapsed = timedelta(seconds=time.perf_counter() - started)
            return response

    class AsyncDirectClient(http.AsyncClient):  # type: ignore[misc,name-defined]
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self._headers = http.Headers()

        async def send(self, request: Any, *, stream: bool = False, **_: Any) -> Any:
            started = time.perf_counter()
            response = await self._transport.handle_async_request(request)
            response.request = request
            if stream:
                _time_until_closed(response, started)
            else:
                try:
                    await response.aread()
                finally:
                    response.elapsed = timedelta(seconds=time.perf_counter() - started)
            return response

    return DirectClient, AsyncDirectClient


def _time_until_closed(response: Any, started: float) -> None:
    """As httpx does for streams: `elapsed` is the time until the response is closed."""

    def closed() -> None:
        response.elapsed = timedelta(seconds=time.perf_counter() - started)

    stream = response.stream
    if isinstance(stream, TranslatedStream):
        stream.on_close = closed
    else:  # an error decided before streaming began: already complete
        closed()

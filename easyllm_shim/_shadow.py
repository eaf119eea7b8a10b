"""Shadow openai clients: the SDK's own machinery, pointed at TGI through the translating transport.

A routed call runs on a shadow client with the caller's options, so parsing, streaming, retries,
timeouts and exceptions are the SDK's own. There is one shadow per caller HTTP client (shared by
its `with_options()` copies), and TGI traffic rides that client's connection pool. TGI connections
therefore live, close, and stay bound to an event loop exactly like the caller's own.
"""

from __future__ import annotations

import threading
import weakref
from typing import Any

from ._backend import Backend
from ._http import module_of
from ._transport import TGITransport

# The shadow never talks to OpenAI and its transport drops SDK headers, so this key goes nowhere.
_PLACEHOLDER_KEY = "easyllm-shim-routes-to-tgi"
_PLACEHOLDER_BASE = "http://tgi.easyllm-shim.invalid/v1"


class Shadows:
    def __init__(self, backend: Backend) -> None:
        self.backend = backend
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
                    shadow = self._by_http_client[http_client] = self._make(http_client)
        return shadow

    def _make(self, http_client: Any) -> Any:
        from ._openai_classes import ShadowAsyncOpenAI, ShadowOpenAI

        # Same package (httpx or httpx2) and same kind (sync or async) as the caller's client.
        http = module_of(http_client)
        transport = TGITransport(self.backend, http_client)
        options: dict[str, Any] = {"api_key": _PLACEHOLDER_KEY, "base_url": _PLACEHOLDER_BASE}
        if isinstance(http_client, http.AsyncClient):
            return ShadowAsyncOpenAI(**options, http_client=http.AsyncClient(transport=transport))
        return ShadowOpenAI(**options, http_client=http.Client(transport=transport))

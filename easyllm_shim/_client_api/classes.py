"""The shadow client classes. Imported on the first routed call (importing openai is slow)."""

from __future__ import annotations

import functools
from types import ModuleType
from typing import Any

import openai
from openai import NotGiven
from openai._types import Omit

from .http import module_of

# The request extension that carries a routed call's JSON body to the upstream transport as the SDK
# holds it (a dict): serialising it for the transport to parse again would be a JSON round trip.
BODY = "easyllm_shim.body"


class _Shadow:
    """What a shadow client changes of the SDK's client: the request it hands its transport.

    The SDK's `_build_request` prepares a request for OpenAI (its default headers, query, the URL parsed
    twice, cookies, the body as JSON), which costs about a tenth of a routed call, and the upstream
    transport reads none of it. A shadow's request carries what the transport and the SDK do read: the
    path, the body, the timeout and the call's own headers. Everything else of the call is the SDK's own.
    """

    # Marks calls already on their way to a Hugging Face server, so the patched `request` lets them through.
    _easyllm_shadow = True
    _client: Any
    base_url: Any
    timeout: Any

    @functools.cached_property
    def _easyllm_http(self) -> tuple[ModuleType, dict[str, Any]]:
        """The HTTP package of the shadow's client (httpx or httpx2), and its request URLs by path."""
        return module_of(self._client), {}

    # Nothing of the SDK's headers reaches a Hugging Face server, so none is built. The (placeholder)
    # Authorization header stays: openai < 3 validates it from here.
    @property
    def default_headers(self) -> dict[str, str | Omit]:
        return {"Authorization": f"Bearer {getattr(self, 'api_key', '')}"}

    def _build_request(self, options: Any, *, retries_taken: int = 0) -> Any:
        http, urls = self._easyllm_http
        body = options.json_data
        if options.extra_json:  # `extra_body`, merged over the body as the SDK merges it
            body = {**body, **options.extra_json}
        timeout = self.timeout if isinstance(options.timeout, NotGiven) else options.timeout
        if not hasattr(timeout, "as_dict"):  # a number or None, not an httpx(2) Timeout
            timeout = http.Timeout(timeout)
        # The call's own headers: the SDK reads its `X-Stainless-Raw-Response` back from the request,
        # and the transport forwards the Hugging Face ones among the caller's `extra_headers`.
        headers = [(name, value) for name, value in (options.headers or {}).items() if isinstance(value, str)]
        url = urls.get(options.url)
        if url is None:  # parsed once per path
            url = urls[options.url] = http.URL(f"{self.base_url}{options.url.lstrip('/')}")
        return http.Request(options.method, url, headers=headers, extensions={"timeout": timeout.as_dict(), BODY: body})


class ShadowOpenAI(_Shadow, openai.OpenAI):
    pass


class ShadowAsyncOpenAI(_Shadow, openai.AsyncOpenAI):
    pass

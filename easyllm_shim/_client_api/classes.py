"""The shadow client classes. Imported on the first routed call (importing openai is slow)."""

from __future__ import annotations

from typing import Any

import openai
from openai._types import Omit

# The request extension that carries a routed call's JSON body to the upstream transport as the SDK
# holds it (a dict): serialising it for the transport to parse again would be a JSON round trip.
BODY = "easyllm_shim.body"


class _Shadow:
    # Marks calls already on their way to a Hugging Face server, so the patched `request` lets them through.
    _easyllm_shadow = True
    api_key: str

    # The upstream transport forwards none of the SDK's headers, so building a dozen for every call is waste.
    # Only the (placeholder) Authorization header stays: openai < 3 validates it from here.
    @property
    def default_headers(self) -> dict[str, str | Omit]:
        return {"Authorization": f"Bearer {self.api_key}"}

    def _build_request(self, options: Any, *, retries_taken: int = 0) -> Any:
        """The SDK's request, with the body handed over as the SDK holds it (`extra_body` merged, as the
        SDK merges it) instead of serialised. Each attempt has its own `options`, restored all the same."""
        body, extra = options.json_data, options.extra_json
        options.json_data = options.extra_json = None
        try:
            request = super()._build_request(options, retries_taken=retries_taken)  # type: ignore[misc]
        finally:
            options.json_data, options.extra_json = body, extra
        request.extensions[BODY] = body if not extra else {**body, **extra}
        return request


class ShadowOpenAI(_Shadow, openai.OpenAI):
    pass


class ShadowAsyncOpenAI(_Shadow, openai.AsyncOpenAI):
    pass

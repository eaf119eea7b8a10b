"""The shadow client classes. Imported on the first routed call (importing openai is slow)."""

from __future__ import annotations

import openai
from openai._types import Omit


class ShadowOpenAI(openai.OpenAI):
    # Marks calls already on their way to a Hugging Face server, so the patched `request` lets them through.
    _easyllm_shadow = True

    # The upstream transport forwards none of the SDK's headers, so building a dozen for every call is waste.
    # Only the (placeholder) Authorization header stays: openai < 3 validates it from here.
    @property
    def default_headers(self) -> dict[str, str | Omit]:
        return {"Authorization": f"Bearer {self.api_key}"}


class ShadowAsyncOpenAI(openai.AsyncOpenAI):
    _easyllm_shadow = True

    @property
    def default_headers(self) -> dict[str, str | Omit]:
        return {"Authorization": f"Bearer {self.api_key}"}

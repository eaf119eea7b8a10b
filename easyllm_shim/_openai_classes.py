"""The shadow client classes. Imported on the first routed call (importing openai is slow)."""

from __future__ import annotations

import openai


class ShadowOpenAI(openai.OpenAI):
    # Marks calls already on their way to TGI, so the patched `request` lets them through.
    _easyllm_shadow = True


class ShadowAsyncOpenAI(openai.AsyncOpenAI):
    _easyllm_shadow = True

"""EasyLLM's ``easyllm.prompt_utils.chatml_hf``: the HF ChatML (StarChat, Falcon) builder and its stop strings."""

from __future__ import annotations

from .._prompts.compat import (
    build_chatml_falcon_prompt,
    build_chatml_hf_prompt,
    build_chatml_starchat_prompt,
    chatml_falcon_stop_sequences,
    chatml_starchat_stop_sequences,
)

__all__ = [
    "build_chatml_falcon_prompt",
    "build_chatml_hf_prompt",
    "build_chatml_starchat_prompt",
    "chatml_falcon_stop_sequences",
    "chatml_starchat_stop_sequences",
]

"""EasyLLM's ``easyllm.prompt_utils.llama2``: the Llama 2 builder and its stop strings."""

from __future__ import annotations

from .._prompts.compat import build_llama2_prompt, llama2_stop_sequences

__all__ = ["build_llama2_prompt", "llama2_stop_sequences"]

"""EasyLLM's ``easyllm.prompt_utils.vicuna``: the Vicuna builder and its stop strings."""

from __future__ import annotations

from .._prompts.compat import build_vicuna_prompt, vicuna_stop_sequences

__all__ = ["build_vicuna_prompt", "vicuna_stop_sequences"]

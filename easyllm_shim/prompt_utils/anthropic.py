"""EasyLLM's ``easyllm.prompt_utils.anthropic``: the Anthropic's legacy text builder and its stop strings."""

from __future__ import annotations

from .._prompts.compat import anthropic_stop_sequences, build_anthropic_prompt

__all__ = ["anthropic_stop_sequences", "build_anthropic_prompt"]

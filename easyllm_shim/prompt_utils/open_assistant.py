"""EasyLLM's ``easyllm.prompt_utils.open_assistant``: the Open Assistant builder and its stop strings."""

from __future__ import annotations

from .._prompts.compat import build_open_assistant_prompt, open_assistant_stop_sequences

__all__ = ["build_open_assistant_prompt", "open_assistant_stop_sequences"]

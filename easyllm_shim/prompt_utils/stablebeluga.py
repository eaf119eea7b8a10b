"""EasyLLM's ``easyllm.prompt_utils.stablebeluga``: the StableBeluga builder and its stop strings."""

from __future__ import annotations

from .._prompts.compat import build_stablebeluga_prompt, stablebeluga_stop_sequences

__all__ = ["build_stablebeluga_prompt", "stablebeluga_stop_sequences"]

"""EasyLLM's ``easyllm.prompt_utils.falcon``: the Falcon-180B chat builder and its stop strings."""

from __future__ import annotations

from .._prompts.compat import build_falcon_prompt, falcon_stop_sequences

__all__ = ["build_falcon_prompt", "falcon_stop_sequences"]

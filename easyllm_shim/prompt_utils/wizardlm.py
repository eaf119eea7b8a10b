"""EasyLLM's ``easyllm.prompt_utils.wizardlm``: the WizardLM builder and its stop strings."""

from __future__ import annotations

from .._prompts.compat import build_wizardlm_prompt, wizardlm_stop_sequences

__all__ = ["build_wizardlm_prompt", "wizardlm_stop_sequences"]

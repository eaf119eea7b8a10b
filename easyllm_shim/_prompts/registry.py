"""Which chat format a Hugging Face model id uses: an ordered table of repo-id globs, first match wins.

docs/prompts.md shows this table; tests/prompts/test_registry.py checks the two agree.
"""

from __future__ import annotations

import fnmatch
import re

__all__ = ["MODEL_FAMILIES", "family_for_model"]

# (glob over "org/name", family). Case-insensitive; "*" also matches "/". Organisation rows come first,
# then catch-alls for re-uploads and quantisations of the same models (TheBloke/..., *-GPTQ, *-AWQ).
MODEL_FAMILIES: tuple[tuple[str, str], ...] = (
    ("meta-llama/Llama-2-*-chat*", "llama2"),
    ("meta-llama/CodeLlama-*-Instruct*", "llama2"),
    ("codellama/CodeLlama-*-Instruct*", "llama2"),
    ("meta-llama/*Llama-3*Instruct*", "llama3"),
    ("mistralai/Mixtral-*Instruct*", "mixtral"),
    ("mistralai/*Instruct*", "mistral"),
    ("HuggingFaceH4/zephyr-*", "zephyr"),
    ("HuggingFaceH4/starchat*", "chatml_starchat"),
    ("lmsys/vicuna-*", "vicuna"),
    ("tiiuae/falcon-*-instruct", "falcon"),
    ("tiiuae/falcon-*-chat", "falcon"),
    ("stabilityai/StableBeluga*", "stablebeluga"),
    ("OpenAssistant/*", "open_assistant"),
    ("WizardLM/WizardLM-*", "wizardlm"),
    ("WizardLMTeam/WizardLM-*", "wizardlm"),
    ("Qwen/*", "chatml"),
    ("teknium/OpenHermes-*", "chatml"),
    ("NousResearch/Nous-Hermes-2-*", "chatml"),
    ("NousResearch/Hermes-*", "chatml"),
    ("cognitivecomputations/dolphin-*", "chatml"),
    ("*/Llama-2-*-chat*", "llama2"),
    ("*/*Llama-3*Instruct*", "llama3"),
    ("*/Mixtral-*Instruct*", "mixtral"),
    ("*/Mistral-*Instruct*", "mistral"),
    ("*/zephyr-*", "zephyr"),
    ("*/vicuna-*", "vicuna"),
    ("*/StableBeluga*", "stablebeluga"),
    ("*/OpenHermes-*", "chatml"),
    ("*/Qwen*", "chatml"),
    ("*/dolphin-*", "chatml"),
)

_COMPILED: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(fnmatch.translate(glob), re.IGNORECASE), family) for glob, family in MODEL_FAMILIES
)


def family_for_model(model: str) -> str | None:
    """The family name of the first MODEL_FAMILIES row matching ``model``, or None."""
    for pattern, family in _COMPILED:
        if pattern.match(model):
            return family
    return None

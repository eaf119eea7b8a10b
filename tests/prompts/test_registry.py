from __future__ import annotations

import re
from pathlib import Path

import pytest

from easyllm_shim._prompts import FAMILIES, MODEL_FAMILIES
from easyllm_shim._prompts.registry import family_for_model

DOCS = Path(__file__).resolve().parents[2] / "docs" / "prompts.md"


@pytest.mark.parametrize(
    ("model", "family"),
    [
        ("meta-llama/Llama-2-7b-chat-hf", "llama2"),
        ("meta-llama/Llama-2-70b-chat-hf", "llama2"),
        ("META-LLAMA/LLAMA-2-13B-CHAT-HF", "llama2"),
        ("codellama/CodeLlama-7b-Instruct-hf", "llama2"),
        ("meta-llama/Meta-Llama-3-8B-Instruct", "llama3"),
        ("meta-llama/Llama-3.1-8B-Instruct", "llama3"),
        ("meta-llama/Meta-Llama-3.1-70B-Instruct", "llama3"),
        ("meta-llama/Llama-3.2-3B-Instruct", "llama3"),
        ("meta-llama/Llama-3.3-70B-Instruct", "llama3"),
        ("mistralai/Mistral-7B-Instruct-v0.1", "mistral"),
        ("mistralai/Mistral-7B-Instruct-v0.3", "mistral"),
        ("mistralai/Mixtral-8x7B-Instruct-v0.1", "mixtral"),
        ("HuggingFaceH4/zephyr-7b-beta", "zephyr"),
        ("HuggingFaceH4/starchat-beta", "chatml_starchat"),
        ("lmsys/vicuna-13b-v1.5", "vicuna"),
        ("tiiuae/falcon-7b-instruct", "falcon"),
        ("tiiuae/falcon-180B-chat", "falcon"),
        ("stabilityai/StableBeluga2", "stablebeluga"),
        ("OpenAssistant/oasst-sft-4-pythia-12b-epoch-3.5", "open_assistant"),
        ("WizardLMTeam/WizardLM-13B-V1.2", "wizardlm"),
        ("Qwen/Qwen2.5-7B-Instruct", "chatml"),
        ("teknium/OpenHermes-2.5-Mistral-7B", "chatml"),
        ("NousResearch/Nous-Hermes-2-Mixtral-8x7B-DPO", "chatml"),
        ("NousResearch/Hermes-3-Llama-3.1-8B", "chatml"),
        ("cognitivecomputations/dolphin-2.9-llama3-8b", "chatml"),
        # Re-uploads and quantisations under other organisations.
        ("TheBloke/Llama-2-7B-Chat-GPTQ", "llama2"),
        ("NousResearch/Llama-2-7b-chat-hf", "llama2"),
        ("TheBloke/Mistral-7B-Instruct-v0.2-AWQ", "mistral"),
        ("TheBloke/zephyr-7B-beta-AWQ", "zephyr"),
        ("TheBloke/OpenHermes-2.5-Mistral-7B-AWQ", "chatml"),
        ("/data/models/Llama-2-13b-chat-hf", "llama2"),
    ],
)
def test_known_model_ids_map_to_their_family(model: str, family: str) -> None:
    assert family_for_model(model) == family


@pytest.mark.parametrize(
    "model",
    [
        "meta-llama/Llama-2-7b-hf",
        "meta-llama/Meta-Llama-3-8B",
        "mistralai/Mistral-7B-v0.1",
        "tiiuae/falcon-7b",
        "gpt2",
        "tgi",
        "",
    ],
)
def test_base_and_unknown_models_have_no_family(model: str) -> None:
    assert family_for_model(model) is None


def test_every_row_names_a_known_family() -> None:
    assert {family for _, family in MODEL_FAMILIES} <= set(FAMILIES)


def test_the_docs_show_exactly_this_table_in_this_order() -> None:
    rows = re.findall(r"^\| `([^`]+)` \| `(\w+)` \|$", DOCS.read_text(encoding="utf-8"), re.MULTILINE)

    assert tuple(rows) == MODEL_FAMILIES

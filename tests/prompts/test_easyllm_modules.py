"""EasyLLM's per-family modules (`easyllm.prompt_utils.llama2`, `.falcon`, ...) import under `easyllm_shim`."""

from __future__ import annotations

import importlib

import pytest

from easyllm_shim import prompt_utils
from easyllm_shim.prompt_utils.base import build_prompt, buildBasePrompt

# EasyLLM 0.6.2's modules and the names each defined.
EASYLLM_MODULES = {
    "llama2": ["build_llama2_prompt", "llama2_stop_sequences"],
    "falcon": ["build_falcon_prompt", "falcon_stop_sequences"],
    "vicuna": ["build_vicuna_prompt", "vicuna_stop_sequences"],
    "wizardlm": ["build_wizardlm_prompt", "wizardlm_stop_sequences"],
    "stablebeluga": ["build_stablebeluga_prompt", "stablebeluga_stop_sequences"],
    "open_assistant": ["build_open_assistant_prompt", "open_assistant_stop_sequences"],
    "anthropic": ["anthropic_stop_sequences", "build_anthropic_prompt"],
    "chatml_hf": [
        "build_chatml_falcon_prompt",
        "build_chatml_hf_prompt",
        "build_chatml_starchat_prompt",
        "chatml_falcon_stop_sequences",
        "chatml_starchat_stop_sequences",
    ],
    "base": ["buildBasePrompt", "build_prompt"],
}
CONVERSATION = [
    {"role": "system", "content": "SYS"},
    {"role": "user", "content": "U1"},
    {"role": "assistant", "content": "A1"},
    {"role": "user", "content": "U2"},
]


@pytest.mark.parametrize(("module", "names"), EASYLLM_MODULES.items())
def test_each_easyllm_module_has_its_names(module: str, names: list[str]) -> None:
    imported = importlib.import_module(f"easyllm_shim.prompt_utils.{module}")

    assert imported.__all__ == names
    for name in names:
        if name in prompt_utils.__all__:
            assert getattr(imported, name) is getattr(prompt_utils, name)


def test_falcon_stop_sequences_are_easyllms() -> None:
    from easyllm_shim.prompt_utils.falcon import falcon_stop_sequences

    assert falcon_stop_sequences == ["\nUser:", "<|endoftext|>", " User:", "###"]


def test_build_base_prompt_is_easyllms_separator_less_prompt() -> None:
    assert buildBasePrompt(CONVERSATION) == "SYSUSER: U1ASSISTANT: A1USER: U2"


def test_build_base_prompt_refuses_function_turns() -> None:
    with pytest.raises(ValueError, match=r"messages\[1\]: the base prompt has no 'function' turns"):
        buildBasePrompt([{"role": "user", "content": "U1"}, {"role": "function", "content": "{}"}])


def test_base_build_prompt_is_the_package_one() -> None:
    assert build_prompt is prompt_utils.build_prompt

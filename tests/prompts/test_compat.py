"""easyllm_shim.prompt_utils: EasyLLM 0.6.2's builder API, with the differences listed in docs/prompts.md."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest

import easyllm_shim.prompt_utils as prompt_utils
from easyllm_shim.prompt_utils import (
    PROMPT_MAPPING,
    PromptError,
    build_chatml_hf_prompt,
    build_llama2_prompt,
    build_prompt,
    build_wizardlm_prompt,
)

from ._reference import easyllm_documented_outputs, reference_text, section

EASYLLM_NAMES = {
    "build_llama2_prompt",
    "build_vicuna_prompt",
    "build_chatml_falcon_prompt",
    "build_chatml_starchat_prompt",
    "build_falcon_prompt",
    "build_open_assistant_prompt",
    "build_stablebeluga_prompt",
    "build_wizardlm_prompt",
    "build_anthropic_prompt",
    "build_chatml_hf_prompt",
    "PROMPT_MAPPING",
    "build_prompt",
    "llama2_stop_sequences",
    "vicuna_stop_sequences",
    "wizardlm_stop_sequences",
    "stablebeluga_stop_sequences",
    "open_assistant_stop_sequences",
    "chatml_falcon_stop_sequences",
    "chatml_starchat_stop_sequences",
    "anthropic_stop_sequences",
    "falcon_stop_sequences",
}
EASYLLM_KEYS = {
    "chatml_falcon",
    "chatml_starchat",
    "llama2",
    "open_assistant",
    "stablebeluga",
    "vicuna",
    "wizardlm",
    "falcon",
    "anthropic",
}
CONVERSATION = [
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": "Hi"},
    {"role": "assistant", "content": "Hello."},
    {"role": "user", "content": "Bye"},
]
# Hand-derived from the format rules; vicuna follows FastChat v1.1 rather than EasyLLM (docs/prompts.md).
EXPECTED_CONVERSATION = {
    "llama2": "<s>[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nHi [/INST] Hello. </s><s>[INST] Bye [/INST]",
    "vicuna": "Be brief. USER: Hi ASSISTANT: Hello.</s>USER: Bye ASSISTANT:",
    "chatml_starchat": (
        "<|system|>\nBe brief.<|end|>\n<|user|>\nHi<|end|>\n<|assistant|>\nHello.<|end|>\n"
        "<|user|>\nBye<|end|>\n<|assistant|>"
    ),
    "chatml_falcon": (
        "<|system|>\nBe brief.<|endoftext|>\n<|user|>\nHi<|endoftext|>\n<|assistant|>\nHello.<|endoftext|>\n"
        "<|user|>\nBye<|endoftext|>\n<|assistant|>"
    ),
    "falcon": "System: Be brief.\nUser: Hi\nFalcon: Hello.\nUser: Bye\nFalcon: ",
    "wizardlm": "Be brief. USER: Hi ASSISTANT: Hello. USER: Bye ASSISTANT: ",
    "stablebeluga": (
        "### System:\nBe brief.\n\n### User:\nHi\n\n### Assistant:\nHello.\n\n### User:\nBye\n\n### Assistant:"
    ),
    "open_assistant": (
        "<|system|>Be brief.</s><|prompter|>Hi</s><|assistant|>Hello.</s><|prompter|>Bye</s><|assistant|>"
    ),
    "anthropic": "Be brief.\n\nHuman: Hi\n\nAssistant: Hello.\n\nHuman: Bye\n\nAssistant: ",
}
# A bare string is one user turn; EasyLLM also prepended an empty system message (docs/prompts.md).
EXPECTED_HELLO = {
    "llama2": "<s>[INST] Hello! [/INST]",
    "chatml_starchat": "<|user|>\nHello!<|end|>\n<|assistant|>",
    "open_assistant": "<|prompter|>Hello!</s><|assistant|>",
    "stablebeluga": "### User:\nHello!\n\n### Assistant:",
    "wizardlm": "USER: Hello! ASSISTANT: ",
    "falcon": "User: Hello!\nFalcon: ",
    "anthropic": "\n\nHuman: Hello!\n\nAssistant: ",
}
EASYLLM_MODEL_NAMES = {
    "llama2": "Llama 2",
    "vicuna": "Vicuna",
    "chatml_falcon": "HF ChatML",
    "chatml_starchat": "HF ChatML",
    "wizardlm": "WizardLM",
    "stablebeluga": "stablebeluga",
    "open_assistant": "Open Assistant",
    "falcon": "falcon",
    "anthropic": "anthropic",
}


def test_all_is_the_public_surface_and_keeps_every_easyllm_name() -> None:
    assert len(prompt_utils.__all__) == len(set(prompt_utils.__all__))
    public = set(prompt_utils.__all__)
    assert public >= EASYLLM_NAMES
    assert public >= {"build_llama3_prompt", "build_mistral_prompt", "build_chatml_prompt", "build_zephyr_prompt"}
    assert all(hasattr(prompt_utils, name) for name in prompt_utils.__all__)


def test_prompt_mapping_has_easyllm_keys_and_the_new_families() -> None:
    assert set(PROMPT_MAPPING) == EASYLLM_KEYS | {"llama3", "mistral", "mixtral", "chatml", "zephyr"}


@pytest.mark.parametrize("name", sorted(PROMPT_MAPPING))
def test_builders_are_named_documented_functions_taking_messages(name: str) -> None:
    builder = PROMPT_MAPPING[name]

    assert getattr(prompt_utils, f"build_{name}_prompt") is builder
    assert (builder.__name__, builder.__qualname__) == (f"build_{name}_prompt", f"build_{name}_prompt")
    assert builder.__doc__


def test_builders_take_messages_by_keyword() -> None:
    assert build_llama2_prompt(messages="Hi") == build_llama2_prompt("Hi")
    assert build_wizardlm_prompt(messages="Hi") == build_wizardlm_prompt("Hi")


@pytest.mark.parametrize("name", sorted(EXPECTED_CONVERSATION))
def test_system_user_assistant_user_gives_the_documented_format(name: str) -> None:
    assert build_prompt(CONVERSATION, name) == EXPECTED_CONVERSATION[name]


@pytest.mark.parametrize("name", sorted(EXPECTED_HELLO))
def test_a_bare_string_is_a_single_user_turn(name: str) -> None:
    assert PROMPT_MAPPING[name]("Hello!") == EXPECTED_HELLO[name]


def test_system_and_user_dicts_give_easyllm_strings() -> None:
    messages = [{"role": "system", "content": "You are a chat bot."}, {"role": "user", "content": "Hello!"}]

    assert build_llama2_prompt(messages) == "<s>[INST] <<SYS>>\nYou are a chat bot.\n<</SYS>>\n\nHello! [/INST]"
    assert build_wizardlm_prompt(messages) == "You are a chat bot. USER: Hello! ASSISTANT: "


@pytest.mark.parametrize(("name", "model"), sorted(EASYLLM_MODEL_NAMES.items()))
def test_function_messages_raise_value_error_with_easyllm_text(name: str, model: str) -> None:
    with pytest.raises(ValueError, match=rf"{model} does not support function calls\."):
        PROMPT_MAPPING[name]([{"role": "system", "content": "S"}, {"role": "function", "content": "{}"}])


@pytest.mark.parametrize("name", sorted(EASYLLM_KEYS))
def test_a_late_or_second_system_message_raises_value_error(name: str) -> None:
    late = [{"role": "user", "content": "U"}, {"role": "system", "content": "S"}, {"role": "user", "content": "U"}]
    twice = [{"role": "system", "content": "S"}, {"role": "system", "content": "S"}, {"role": "user", "content": "U"}]

    for messages in (late, twice):
        with pytest.raises(ValueError, match=r"role 'system' is only allowed as the first message"):
            PROMPT_MAPPING[name](messages)


@pytest.mark.parametrize("name", sorted(EASYLLM_KEYS))
def test_tool_messages_raise_value_error(name: str) -> None:
    with pytest.raises(PromptError, match=r"does not support tool messages"):
        PROMPT_MAPPING[name]([{"role": "user", "content": "U"}, {"role": "tool", "content": "42"}])


def test_build_prompt_lists_available_builders_for_an_unknown_name() -> None:
    with pytest.raises(
        ValueError, match=r"Prompt builder 'nope' not found\. Available prompt builders are: anthropic, "
    ):
        build_prompt(CONVERSATION, "nope")


def test_build_prompt_calls_a_callable_with_the_messages_as_given() -> None:
    seen: list[Any] = []

    def builder(messages: Any) -> str:
        seen.append(messages)
        return "built"

    assert build_prompt(CONVERSATION, builder) == "built"
    assert seen == [CONVERSATION]


def test_build_prompt_rejects_other_builder_types() -> None:
    with pytest.raises(TypeError):
        build_prompt(CONVERSATION, 42)  # type: ignore[arg-type]


def test_chatml_hf_builder_takes_any_end_of_turn_token() -> None:
    assert build_chatml_hf_prompt("Hi") == "<|user|>\nHi<|end|>\n<|assistant|>"
    assert build_chatml_hf_prompt("Hi", EOS_TOKEN="<|endoftext|>") == "<|user|>\nHi<|endoftext|>\n<|assistant|>"
    assert build_chatml_hf_prompt("Hi", "<eot>") == "<|user|>\nHi<eot>\n<|assistant|>"


def test_easyllm_message_objects_and_dicts_can_be_mixed() -> None:
    @dataclass
    class ChatMessage:
        role: str
        content: str

    messages: list[Any] = [ChatMessage("system", "Be brief."), {"role": "user", "content": "Hi"}]

    assert build_llama2_prompt(messages) == "<s>[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nHi [/INST]"


def test_stop_sequence_lists() -> None:
    assert prompt_utils.llama2_stop_sequences == ["</s>", "[INST]"]
    assert prompt_utils.vicuna_stop_sequences == ["</s>"]
    assert prompt_utils.wizardlm_stop_sequences == ["</s>"]
    assert prompt_utils.stablebeluga_stop_sequences == ["</s>"]
    assert prompt_utils.open_assistant_stop_sequences == ["</s>"]
    assert prompt_utils.chatml_falcon_stop_sequences == ["<|endoftext|>"]
    assert prompt_utils.chatml_starchat_stop_sequences == ["<|end|>"]
    assert prompt_utils.anthropic_stop_sequences == ["\n\nHuman:"]
    assert prompt_utils.falcon_stop_sequences == ["\nUser:", "<|endoftext|>", " User:", "###"]
    assert prompt_utils.llama3_stop_sequences == ["<|eot_id|>", "<|end_of_text|>"]
    assert prompt_utils.mistral_stop_sequences == ["</s>", "[INST]"]
    assert prompt_utils.chatml_stop_sequences == ["<|im_end|>"]
    assert prompt_utils.zephyr_stop_sequences == ["</s>"]


@pytest.mark.reference
class TestAgainstEasyLLMDocumentation:
    """easyllm-0.6.2.md §2.2 and §3, read at test time."""

    def test_documented_four_message_outputs_are_reproduced_except_vicuna(self) -> None:
        documented = easyllm_documented_outputs()
        documented["chatml_falcon"] = documented["chatml_starchat"].replace("<|end|>", "<|endoftext|>")
        conversation = [
            {"role": "system", "content": "SYS"},
            {"role": "user", "content": "U1"},
            {"role": "assistant", "content": "A1"},
            {"role": "user", "content": "U2"},
        ]

        assert set(documented) == EASYLLM_KEYS
        for name, expected in documented.items():
            if name == "vicuna":  # FastChat v1.1 wins (tgi-protocol.md §9.2); see test_legacy.py.
                assert build_prompt(conversation, name) != expected
            else:
                assert build_prompt(conversation, name) == expected, name

    def test_single_string_cases_match_or_differ_only_by_the_empty_system_block(self) -> None:
        tests = section(reference_text("easyllm-0.6.2.md"), "## 3.")
        item = tests[tests.index("1. Each builder given a bare string") : tests.index("2. Each builder given")]
        documented = {
            ("chatml_starchat" if name == "chatml" else name): value.replace("\\n", "\n")
            for name, value in re.findall(r"^\s+- (\w+): `([^`]*)`$", item, re.MULTILINE)
        }
        empty_system = [{"role": "system", "content": ""}, {"role": "user", "content": "Hello!"}]

        assert set(documented) == {"llama2", "chatml_starchat", "open_assistant", "stablebeluga", "vicuna", "wizardlm"}
        for name, expected in documented.items():
            if name == "vicuna":
                continue  # FastChat format, tested against tgi-protocol.md in test_legacy.py
            if name in ("chatml_starchat", "open_assistant", "stablebeluga"):
                assert PROMPT_MAPPING[name](empty_system) == expected, name
                assert PROMPT_MAPPING[name]("Hello!") != expected
            else:
                assert PROMPT_MAPPING[name]("Hello!") == expected, name

    def test_system_and_user_cases_match(self) -> None:
        tests = section(reference_text("easyllm-0.6.2.md"), "## 3.")
        item = tests[tests.index("2. Each builder given") : tests.index("3. Each builder given")]
        llama2 = item[item.index("llama2 gives") :].split("`")[1].replace("\\n", "\n")
        wizardlm = item[item.index("wizardlm gives") :].split("`")[1]
        messages = [{"role": "system", "content": "You are a chat bot."}, {"role": "user", "content": "Hello!"}]

        assert build_llama2_prompt(messages) == llama2
        assert build_wizardlm_prompt(messages) == wizardlm

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from easyllm_shim._prompts import FAMILIES, ChatFormat, PromptError
from easyllm_shim._prompts.families import DEFAULT_FAMILY

from ._strategies import Message, alternating_conversations, forged_texts

FAMILY_NAMES = sorted(FAMILIES)


def test_the_families_are_the_easyllm_names_plus_the_new_ones() -> None:
    assert set(FAMILIES) == {
        "llama2",
        "llama3",
        "mistral",
        "mixtral",
        "chatml",
        "zephyr",
        "vicuna",
        "falcon",
        "chatml_falcon",
        "chatml_starchat",
        "open_assistant",
        "stablebeluga",
        "wizardlm",
        "anthropic",
    }
    assert DEFAULT_FAMILY is FAMILIES["llama2"]


@pytest.mark.parametrize("name", FAMILY_NAMES)
def test_each_family_is_named_after_its_key_and_declares_stop_strings(name: str) -> None:
    chat_format = FAMILIES[name]

    assert chat_format.name == name
    assert chat_format.stop
    assert chat_format.display
    assert chat_format.neutralize_markers


@pytest.mark.parametrize("name", FAMILY_NAMES)
def test_each_family_prompt_is_its_rendering_minus_its_bos(name: str) -> None:
    chat_format = FAMILIES[name]
    messages = [{"role": "system", "content": "S"}, {"role": "user", "content": "U"}]

    assert chat_format.bos + chat_format.prompt(messages) == chat_format.render(messages)


@pytest.mark.parametrize("name", FAMILY_NAMES)
def test_each_family_rejects_an_empty_conversation_and_tool_messages(name: str) -> None:
    chat_format = FAMILIES[name]

    with pytest.raises(PromptError, match=rf"^messages: the conversation is empty \({name}\)$"):
        chat_format.render([])
    with pytest.raises(PromptError, match=r"^messages\[1\]: role 'tool' is not supported: .* does not support tool"):
        chat_format.render([{"role": "user", "content": "U"}, {"role": "tool", "content": "42"}])


@pytest.mark.parametrize("name", FAMILY_NAMES)
def test_each_family_allows_system_only_first_and_must_end_on_user(name: str) -> None:
    chat_format = FAMILIES[name]
    user = {"role": "user", "content": "U"}
    assistant = {"role": "assistant", "content": "A"}

    with pytest.raises(PromptError, match=r"^messages\[2\]: role 'system' is only allowed as the first message"):
        chat_format.render([user, assistant, {"role": "system", "content": "S"}, user])
    with pytest.raises(PromptError, match=r"^messages\[1\]: the conversation must end with a user message"):
        chat_format.render([user, assistant])


def _marker_counts(chat_format: ChatFormat, messages: list[Message]) -> Counter[str]:
    return Counter(chat_format.guard.markers_in(chat_format.prompt(messages)))


@given(st.sampled_from(FAMILY_NAMES), st.data())
def test_forged_text_never_changes_the_turn_structure(name: str, data: st.DataObject) -> None:
    chat_format = FAMILIES[name]
    forged = data.draw(alternating_conversations(forged_texts(chat_format.guard.markers)))
    # Same emptiness as the forged text: Vicuna (like FastChat) renders an empty message differently.
    plain = [{**message, "content": "x" if message["content"] else ""} for message in forged]

    assert _marker_counts(chat_format, forged) == _marker_counts(chat_format, plain)

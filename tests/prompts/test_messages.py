from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from openai.types.chat import (
    ChatCompletionAssistantMessageParam,
    ChatCompletionMessage,
    ChatCompletionSystemMessageParam,
    ChatCompletionUserMessageParam,
)

from easyllm_shim._prompts import PromptError, Turn
from easyllm_shim._prompts.messages import normalize


@dataclass
class EasyLLMStyleMessage:
    role: str
    content: str | None


def test_a_bare_string_is_one_user_turn() -> None:
    assert normalize("Hello!", "llama2") == [Turn("user", "Hello!")]


def test_dicts_typed_params_and_objects_mix_freely() -> None:
    messages: list[Any] = [
        ChatCompletionSystemMessageParam(role="system", content="Be brief."),
        EasyLLMStyleMessage(role="user", content="Hi"),
        ChatCompletionMessage(role="assistant", content="Hello."),
        {"role": "user", "content": "Bye"},
    ]

    turns = normalize(messages, "llama2")

    assert [(turn.role, turn.content) for turn in turns] == [
        ("system", "Be brief."),
        ("user", "Hi"),
        ("assistant", "Hello."),
        ("user", "Bye"),
    ]
    assert turns[1].source is messages[1]


def test_developer_is_treated_as_system() -> None:
    assert normalize([{"role": "developer", "content": "Rules"}], "llama2")[0].role == "system"


def test_text_parts_are_joined_without_a_separator() -> None:
    message = ChatCompletionUserMessageParam(
        role="user", content=[{"type": "text", "text": "Hello, "}, {"type": "text", "text": "world"}]
    )

    assert normalize([message], "chatml") == [Turn("user", "Hello, world", message)]


def test_an_image_part_is_rejected_naming_index_and_part_type() -> None:
    messages = [
        {"role": "user", "content": "look"},
        {"role": "assistant", "content": "ok"},
        {"role": "user", "content": [{"type": "image_url", "image_url": {"url": "https://x/y.png"}}]},
    ]

    with pytest.raises(PromptError, match=r"messages\[2\]: content part 0 has type 'image_url'") as caught:
        normalize(messages, "llama2")

    assert (caught.value.index, caught.value.role) == (2, "user")


def test_an_assistant_with_only_tool_calls_has_empty_content() -> None:
    message = ChatCompletionAssistantMessageParam(
        role="assistant",
        content=None,
        tool_calls=[{"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{}"}}],
    )

    assert normalize([message], "chatml")[0].content == ""


@pytest.mark.parametrize(
    ("message", "error"),
    [
        ({"role": "user", "content": None}, r"messages\[0\]: role 'user' needs content \(llama2\)"),
        ({"role": "user"}, r"messages\[0\]: role 'user' needs content"),
        ({"role": "fellow", "content": "hi"}, r"messages\[0\]: unknown role 'fellow' \(llama2\)"),
        ({"content": "hi"}, r"messages\[0\]: unknown role None"),
        ({"role": "user", "content": 1234}, r"content must be a string or a list of text parts, not int"),
        ({"role": "user", "content": b"hi"}, r"not bytes"),
        ({"role": "user", "content": ["Hello!"]}, r"content part 0 has a str"),
    ],
)
def test_malformed_messages_raise_prompt_error(message: dict[str, Any], error: str) -> None:
    with pytest.raises(PromptError, match=error):
        normalize([message], "llama2")


def test_an_empty_conversation_is_an_error_not_tied_to_an_index() -> None:
    with pytest.raises(PromptError, match=r"^messages: the conversation is empty \(llama2\)$") as caught:
        normalize([], "llama2")

    assert caught.value.index is None


def test_any_iterable_of_messages_works() -> None:
    def generate() -> Iterator[dict[str, str]]:
        yield {"role": "user", "content": "Hi"}

    assert normalize(generate(), "llama2") == [Turn("user", "Hi", {"role": "user", "content": "Hi"})]


def test_clean_is_applied_to_every_text() -> None:
    turns = normalize([{"role": "system", "content": "a"}, {"role": "user", "content": "b"}], "x", str.upper)

    assert [turn.content for turn in turns] == ["A", "B"]


def test_template_dicts_keep_the_callers_fields_with_normalised_role_and_content() -> None:
    message = {"role": "developer", "content": [{"type": "text", "text": "Rules"}], "name": "ops"}

    assert normalize([message], "x")[0].as_template_dict() == {"role": "system", "content": "Rules", "name": "ops"}


def test_template_dicts_from_objects_carry_tool_fields() -> None:
    @dataclass
    class ToolMessage:
        role: str
        content: str
        tool_call_id: str

    turn = normalize([ToolMessage("tool", "42", "call_1")], "x")[0]

    assert turn.as_template_dict() == {"role": "tool", "content": "42", "tool_call_id": "call_1"}


def test_a_single_message_instead_of_a_list_is_rejected() -> None:
    with pytest.raises(PromptError, match=r"^messages: expected a list of messages, got a single message \(x\)$"):
        normalize({"role": "user", "content": "Hi"}, "x")

"""Request bodies read into TGI's types, with TGI's defaults."""

from __future__ import annotations

import json
from typing import Any

import pytest

from easyllm_shim.testing.tgi._json import JsonError
from easyllm_shim.testing.tgi._requests import GenerateParameters, Grammar, read_chat_request, read_generate_request


def chat(**fields: Any) -> bytes:
    return json.dumps({"messages": [{"role": "user", "content": "Hi"}], **fields}).encode()


def chat_error(body: bytes) -> str:
    with pytest.raises(JsonError) as caught:
        read_chat_request(body)
    return caught.value.describe()


def test_without_parameters_the_default_parameters_sample() -> None:
    assert read_generate_request(b'{"inputs":"x"}').parameters == GenerateParameters(do_sample=True)


def test_with_parameters_an_omitted_do_sample_is_false() -> None:
    assert read_generate_request(b'{"inputs":"x","parameters":{}}').parameters == GenerateParameters()


def test_compat_reads_stream_and_the_generate_route_ignores_it() -> None:
    body = b'{"inputs":"x","stream":true}'
    assert read_generate_request(body, compat=True).stream
    assert not read_generate_request(body).stream


def test_unknown_keys_are_ignored() -> None:
    assert read_generate_request(b'{"inputs":"x","parameters":{"foo":1},"options":{}}').inputs == "x"


def test_parameters_as_dict_is_json_shaped() -> None:
    body = b'{"inputs":"x","parameters":{"stop":["a"],"grammar":{"type":"json_object","value":{"properties":{}}}}}'
    values = read_generate_request(body).parameters.as_dict()
    assert values["stop"] == ["a"]
    assert values["grammar"] == {"type": "json", "value": {"properties": {}}}
    assert values["do_sample"] is False
    json.dumps(values)


def test_json_schema_grammar_keeps_name_and_schema() -> None:
    body = b'{"inputs":"x","parameters":{"grammar":{"type":"json_schema","value":{"name":"w","schema":{"a":1}}}}}'
    assert read_generate_request(body).parameters.grammar == Grammar("json_schema", {"name": "w", "schema": {"a": 1}})


def test_chat_defaults() -> None:
    request = read_chat_request(chat())
    assert request.messages == [{"role": "user", "content": "Hi"}]
    assert (request.model, request.stream, request.include_usage, request.max_tokens) == (None, False, False, None)


def test_max_completion_tokens_is_an_alias_of_max_tokens() -> None:
    assert read_chat_request(chat(max_completion_tokens=7)).max_tokens == 7


def test_both_max_tokens_spellings_are_a_duplicate_field() -> None:
    assert chat_error(chat(max_tokens=1, max_completion_tokens=2)).startswith("duplicate field `max_tokens`")


def test_stream_options_include_usage() -> None:
    assert read_chat_request(chat(stream=True, stream_options={"include_usage": True})).include_usage


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"stop": "END"}, 'stop: invalid type: string "END", expected a sequence'),
        ({"logit_bias": {"50256": -100}}, "logit_bias: invalid type: map, expected a sequence"),
        ({"messages": "hi"}, 'messages: invalid type: string "hi", expected a sequence'),
        ({"messages": [{"content": "hi"}]}, "messages[0]: missing field `role`"),
        ({"messages": [{"role": "user"}]}, "messages[0]: data did not match any variant of untagged enum MessageBody"),
        (
            {"messages": [{"role": "user", "content": 1}]},
            "messages[0]: data did not match any variant of untagged enum MessageBody",
        ),
        ({"messages": [{"role": 1, "content": "x"}]}, "messages[0].role: invalid type: integer `1`, expected a string"),
        ({"temperature": "hot"}, 'temperature: invalid type: string "hot", expected f32'),
        ({"response_format": {"type": "json_object"}}, "response_format: missing field `value`"),
        ({"n": -1}, "n: invalid value: integer `-1`, expected u32"),
    ],
)
def test_chat_type_errors(fields: dict[str, Any], expected: str) -> None:
    assert chat_error(chat(**fields)).startswith(expected + " at line 1 column ")


def test_messages_are_required() -> None:
    assert chat_error(b'{"model":"tgi"}') == "missing field `messages` at line 1 column 15"


def test_content_parts_and_tool_calls_are_accepted() -> None:
    parts = [{"type": "text", "text": "a"}, {"type": "image_url", "image_url": {"url": "http://x/y.png"}}]
    calls = [{"id": "0", "type": "function", "function": {"name": "f", "arguments": "{}"}}]
    messages = [{"role": "user", "content": parts}, {"role": "assistant", "tool_calls": calls, "name": "bot"}]
    request = read_chat_request(json.dumps({"messages": messages}).encode())
    assert request.messages[0]["content"] == parts
    assert request.messages[1] == {"role": "assistant", "tool_calls": calls, "name": "bot"}

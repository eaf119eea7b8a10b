"""Malformed shapes of the structured parameters a caller may give, each refused by the shim before any network
call (issue 15), with the `param` and a fragment of the message the refusal names. Shared by every SDK generation."""

from __future__ import annotations

from typing import Any

import pytest

WEATHER_TOOL: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}},
            "required": ["city", "unit"],
        },
    },
}
MESSAGES = [{"role": "user", "content": "What's the weather in Paris?"}]
CALL = {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'}}


def after_a_call(tool_calls: Any) -> list[Any]:
    """A conversation whose assistant turn made `tool_calls`, followed by the user."""
    return [
        *MESSAGES,
        {"role": "assistant", "content": None, "tool_calls": tool_calls},
        {"role": "user", "content": "?"},
    ]


def after_a_result(content: Any) -> list[Any]:
    """A conversation ending on the result (`content`) of a well-formed tool call."""
    return [*after_a_call([CALL])[:2], {"role": "tool", "tool_call_id": "call_1", "content": content}]


BAD_SHAPES = [
    pytest.param(
        {"tools": [{"type": "function", "function": {"name": "f", "parameters": "x"}}]},
        "tools",
        "tools[0].function.parameters",
        id="tool parameters not an object",
    ),
    pytest.param({"tools": [WEATHER_TOOL], "tool_choice": {"function": "get_weather"}}, "tool_choice", "tool_choice",
                 id="tool_choice function a string"),
    pytest.param({"messages": after_a_call([1])}, "messages", "messages[1].tool_calls", id="tool_calls [1]"),
    pytest.param({"messages": after_a_call("x")}, "messages", "messages[1].tool_calls", id="tool_calls 'x'"),
    pytest.param({"messages": after_a_call([{"id": "c", "function": "f"}])}, "messages", "messages[1].tool_calls",
                 id="tool call function a string"),
    pytest.param(
        {"messages": after_a_result([1])},
        "messages",
        "text parts",
        id="tool result part not an object",
    ),
    pytest.param({"response_format": {"type": "json_schema", "json_schema": "x"}}, "response_format",
                 "response_format", id="json_schema a string"),
    pytest.param({"stream_options": "yes"}, "stream_options", "stream_options", id="stream_options a string"),
    pytest.param({"stream_options": {"include_usage": "no"}}, "stream_options", "include_usage",
                 id="include_usage a string"),
    pytest.param({"n": 129}, "n", "128", id="n beyond OpenAI's 128"),
]  # fmt: skip

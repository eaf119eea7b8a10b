"""Structured output on TGI: `response_format` and `tools` become a JSON grammar (TGI's `grammar` parameter).

TGI constrains decoding to a JSON schema, which must have a top-level `properties`. Tools follow
TGI's own Messages API: the model picks one of the functions, each described by its parameter
schema plus a constant `_name`, inside `{"function": ...}`; with `tool_choice` "auto" it may pick
`no_tool` and answer in text instead. With a `response_format` too, that answer's `content` is the
format's schema rather than a string, so one grammar allows exactly the tool calls and the format.
Tool definitions are appended to the last user turn, as TGI does for templates without tool
support, and earlier tool calls and results are folded into turns.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from .errors import InvalidRequest

NO_TOOL = "no_tool"
TOOL_PROMPT = (
    "You have access to the functions below. Answer with a JSON object that calls the one function that"
    " best answers the request, giving its arguments."
)
_TEXT_SCHEMA = {"type": "string"}


def _no_tool_schema(content: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "description": "Open-ended response to the user, when no function fits",
        "properties": {"_name": {"type": "string", "const": NO_TOOL}, "content": content},
        "required": ["_name", "content"],
    }


@dataclass(frozen=True, slots=True)
class ToolPlan:
    """The functions the model may call, as OpenAI described them, whether it may answer without one,
    and the schema of that answer (a string, or the `response_format`'s schema)."""

    functions: tuple[Mapping[str, Any], ...]
    allow_text: bool
    prompt: str = TOOL_PROMPT
    answer_schema: Mapping[str, Any] = field(default_factory=lambda: _TEXT_SCHEMA)

    def answering_in(self, schema: Mapping[str, Any]) -> ToolPlan:
        """This plan, with an answer that is not a tool call constrained to `schema`."""
        return replace(self, answer_schema=schema)

    def grammar(self) -> dict[str, Any]:
        choices = [_function_schema(function) for function in self.functions]
        if self.allow_text:
            choices.append(_no_tool_schema(self.answer_schema))
        schema = {"type": "object", "properties": {"function": {"anyOf": choices}}, "required": ["function"]}
        return {"type": "json", "value": schema}

    def instructions(self) -> str:
        described = [{"type": "function", "function": dict(function)} for function in self.functions]
        return f"{self.prompt}\n{json.dumps(described)}"


def _function_schema(function: Mapping[str, Any]) -> dict[str, Any]:
    parameters = dict(function.get("parameters") or {"type": "object", "properties": {}})
    properties = {"_name": {"type": "string", "const": function["name"]}, **(parameters.get("properties") or {})}
    required = ["_name", *(parameters.get("required") or [])]
    schema = {**parameters, "type": "object", "properties": properties, "required": required}
    if function.get("description"):
        schema["description"] = function["description"]
    return schema


def response_format_grammar(response_format: Any) -> dict[str, Any] | None:
    """TGI's grammar for OpenAI's `response_format`, or None for plain text."""
    if response_format is None:
        return None
    kind = response_format.get("type") if isinstance(response_format, Mapping) else None
    if kind == "text":
        return None
    if kind == "json_object":
        # TGI has no schema-free JSON mode; an object schema with open properties is the closest.
        return {"type": "json", "value": {"type": "object", "properties": {}, "additionalProperties": True}}
    if kind == "json_schema":
        json_schema = response_format.get("json_schema") or {}
        schema = json_schema.get("schema") if isinstance(json_schema, Mapping) else None
        if not isinstance(schema, Mapping) or "properties" not in schema:
            raise InvalidRequest(
                "Invalid 'response_format': TGI's grammar needs a JSON schema for an object with top-level"
                " 'properties'",
                param="response_format",
            )
        return {"type": "json", "value": dict(schema)}
    raise InvalidRequest(f"Invalid 'response_format': unknown type {kind!r}", param="response_format")


def plan_tools(body: Mapping[str, Any]) -> ToolPlan | None:
    """The tool plan for a request, or None when it calls no tools (no `tools`, or `tool_choice` "none")."""
    tools = body.get("tools")
    choice = body.get("tool_choice")
    if not tools:
        if choice not in (None, "none"):
            raise InvalidRequest("Invalid 'tool_choice': no 'tools' were given", param="tool_choice")
        return None
    if not isinstance(tools, list):
        raise InvalidRequest("Invalid 'tools': expected a list of function tools", param="tools")
    functions = []
    for index, tool in enumerate(tools):
        function = tool.get("function") if isinstance(tool, Mapping) and tool.get("type") == "function" else None
        if not isinstance(function, Mapping) or not isinstance(function.get("name"), str):
            raise InvalidRequest(f"Invalid 'tools[{index}]': expected a function tool with a name", param="tools")
        if not isinstance(function.get("parameters") or {}, Mapping):
            raise InvalidRequest(
                f"Invalid 'tools[{index}].function.parameters': expected a JSON schema object", param="tools"
            )
        if not isinstance(function.get("description") or "", str):
            raise InvalidRequest(f"Invalid 'tools[{index}].function.description': expected a string", param="tools")
        functions.append(function)
    if choice is None or choice == "auto":
        return ToolPlan(tuple(functions), allow_text=True, prompt=body.get("tool_prompt") or TOOL_PROMPT)
    if choice == "none":
        return None
    if choice == "required":
        return ToolPlan(tuple(functions), allow_text=False, prompt=body.get("tool_prompt") or TOOL_PROMPT)
    name = _chosen_name(choice)
    chosen = [function for function in functions if function["name"] == name]
    if not chosen:
        raise InvalidRequest(f"Invalid 'tool_choice': no tool named {name!r}", param="tool_choice")
    return ToolPlan(tuple(chosen), allow_text=False, prompt=body.get("tool_prompt") or TOOL_PROMPT)


def _chosen_name(choice: Any) -> str:
    function = choice.get("function") if isinstance(choice, Mapping) else None
    name = function.get("name") if isinstance(function, Mapping) else choice
    if not isinstance(name, str):
        raise InvalidRequest(
            f"Invalid 'tool_choice': expected none, auto, required or {{'type': 'function', 'function': {{'name':"
            f" ...}}}}, got {choice!r}",
            param="tool_choice",
        )
    return name


def fold_tool_turns(messages: Sequence[Any], tools: ToolPlan | None) -> list[Any]:
    """Messages a plain chat format can render: tool calls and results as text, tool definitions appended.

    An assistant turn's `tool_calls` become the JSON the model wrote; `tool` results become a user turn
    (merged with any user text that follows, so turns still alternate).
    """
    if tools is None and not any(_has_tool_parts(message) for message in messages):
        return list(messages)
    names = {}
    folded: list[dict[str, Any]] = []
    for index, message in enumerate(messages):
        if not isinstance(message, Mapping):
            raise InvalidRequest(f"Invalid 'messages[{index}]': expected an object, got {message!r}", "messages")
        role = message.get("role")
        if role == "assistant" and message.get("tool_calls"):
            calls = []
            for call in _tool_calls(message["tool_calls"], index):
                function = call["function"]
                names[call.get("id")] = function["name"]
                arguments = _loads(function.get("arguments"))
                calls.append(json.dumps({"function": {"_name": function["name"], **arguments}}))
            text = "\n".join(part for part in (_text(message.get("content")), *calls) if part)
            folded.append({"role": "assistant", "content": text})
        elif role in ("tool", "function"):
            name = names.get(message.get("tool_call_id")) or message.get("name") or "the function"
            result = f"Result of {name}: {_text(message.get('content'))}"
            _append_user(folded, result)
        elif role == "user" and folded and folded[-1]["role"] == "user" and folded[-1].get("_tool_result"):
            _append_user(folded, _text(message.get("content")))
        else:
            folded.append(dict(message))
    if tools is not None:
        last_user = next((m for m in reversed(folded) if m.get("role") == "user"), None)
        if last_user is not None:
            last_user["content"] = f"{_text(last_user.get('content'))}\n\n{tools.instructions()}"
    for message in folded:
        message.pop("_tool_result", None)
    return folded


def _tool_calls(calls: Any, index: int) -> list[Mapping[str, Any]]:
    """An assistant turn's `tool_calls`, each a function call with a name, or InvalidRequest naming the turn."""
    if isinstance(calls, list) and all(
        isinstance(call, Mapping)
        and isinstance(call.get("function"), Mapping)
        and isinstance(call["function"].get("name"), str)
        for call in calls
    ):
        return calls
    raise InvalidRequest(
        f"Invalid 'messages[{index}].tool_calls': expected a list of function calls, each with a name", "messages"
    )


def _has_tool_parts(message: Any) -> bool:
    return isinstance(message, Mapping) and (
        message.get("role") in ("tool", "function") or bool(message.get("tool_calls"))
    )


def _append_user(folded: list[dict[str, Any]], text: str) -> None:
    if folded and folded[-1]["role"] == "user":
        folded[-1]["content"] = f"{folded[-1]['content']}\n{text}"
    else:
        folded.append({"role": "user", "content": text, "_tool_result": True})


def _text(content: Any) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if not isinstance(content, list) or not all(
        isinstance(part, Mapping) and isinstance(part.get("text", ""), str) for part in content
    ):
        raise InvalidRequest(
            f"Invalid message content: expected a string or a list of text parts, got {content!r}", "messages"
        )
    return "".join(part.get("text", "") for part in content)


def _loads(arguments: Any) -> dict[str, Any]:
    if isinstance(arguments, Mapping):
        return dict(arguments)
    try:
        value = json.loads(arguments or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def tool_message(text: str, call_id: str, tgi_reason: str | None) -> tuple[dict[str, Any], str]:
    """The assistant message and finish reason for a tool-mode generation: a tool call, or text via `no_tool`.

    A generation cut by the token limit is not a call: its fragment is the content, finishing with "length"."""
    try:
        call = json.loads(text)["function"]
        name = call.pop("_name")
    except (ValueError, KeyError, TypeError, AttributeError):
        # Without grammar enforcement the model may answer in prose; keep it rather than fail.
        return {"role": "assistant", "content": text.strip()}, "length" if tgi_reason == "length" else "stop"
    if not isinstance(name, str):
        return {"role": "assistant", "content": text.strip()}, "stop"
    if name == NO_TOOL:
        content = call.get("content", "")
        # A structured answer (the response_format's schema) is its JSON text, as OpenAI returns it.
        text = content if isinstance(content, str) else json.dumps(content)
        return {"role": "assistant", "content": text}, "stop"
    tool_call = {
        "id": call_id,
        "type": "function",
        "function": {"name": name, "arguments": json.dumps(call)},
    }
    return {"role": "assistant", "content": None, "tool_calls": [tool_call]}, "tool_calls"

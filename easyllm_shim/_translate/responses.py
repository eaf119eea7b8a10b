"""OpenAI Responses API request → the chat request it amounts to, and TGI's answer → OpenAI's `Response`.

Input items become chat messages, `instructions` a leading system turn and `text.format` a
`response_format`; `plan_chat` then decides the TGI call, so prompts, sampling, grammar and
validation are exactly the chat route's, function tools included (`function_call` items in and
out). What the Responses API adds that one stateless TGI call cannot honour (stored conversations,
background runs, reasoning, built-in tools) is refused by name. Streams are `responses_stream.py`;
the mapping is docs/parameters.md, "The Responses API".
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .._prompts import ChatFormat
from .chat import ChatPlan, CompletionMeta, choice, plan_chat
from .errors import InvalidRequest
from .generation import Answer, header_int, read_generation
from .params import TGI_MAX_STOP_SEQUENCES, TGI_PASSTHROUGH, check_names

# Parameters that do not change what the model generates (echoed in the `Response` where it has them).
_IGNORED = frozenset(
    {"model", "stream", "stream_options", "store", "metadata", "user", "safety_identifier", "prompt_cache_key",
     "prompt_cache_retention", "service_tier", "parallel_tool_calls", "max_tool_calls", "prompt_format"}
)  # fmt: skip
_TRANSLATED = frozenset(
    {"input", "instructions", "temperature", "top_p", "max_output_tokens", "text", "tools", "tool_choice"}
)
_STATELESS = "the shim keeps no state between calls; send the earlier turns in `input`"
# Responses API features one stateless TGI call cannot honour, refused unless their value asks for nothing.
_REFUSED: Mapping[str, str] = {
    "previous_response_id": _STATELESS,
    "conversation": _STATELESS,
    "background": "TGI answers while the request is open; there is no background mode",
    "reasoning": "TGI has no reasoning-effort control",
    "prompt": "stored prompt templates live on OpenAI's servers",
    "include": "TGI returns no extra output data (logprobs, reasoning, tool results) here",
    "top_logprobs": "logprobs are not translated on the Responses API; use chat.completions with logprobs",
    "truncation": "TGI does not drop earlier turns to fit its context; only 'disabled' is supported",
    "context_management": "TGI has no context compaction",
}
_HARMLESS: tuple[Any, ...] = (None, False, [], {})
_HARMLESS_BY_NAME: Mapping[str, tuple[Any, ...]] = {
    "truncation": (None, "disabled"),
    "top_logprobs": (None, 0),
}
_KNOWN = _IGNORED | _TRANSLATED | TGI_PASSTHROUGH | frozenset(_REFUSED)
_FORWARDED = TGI_PASSTHROUGH | {"model", "stream", "temperature", "top_p", "prompt_format"}
# The chat route's names for what the caller called otherwise, so its refusals name the caller's parameter.
_RENAMED = {"messages": "input", "response_format": "text.format", "max_tokens": "max_output_tokens"}
_ROLES = frozenset({"user", "system", "developer", "assistant"})
_TEXT_PARTS = frozenset({"input_text", "output_text"})
_OUTPUT_PARTS = frozenset({"input_text"})  # of a function_call_output's parts (input_text, input_image, input_file)


@dataclass(frozen=True, slots=True)
class ResponsesPlan:
    """One Responses call: the chat plan that runs it on TGI, and the request fields its `Response` repeats."""

    chat: ChatPlan
    echo: Mapping[str, Any]

    task = "generate"
    id_prefix = "resp_"

    @property
    def model(self) -> str:
        return self.chat.model

    @property
    def stream(self) -> bool:
        return self.chat.stream

    @property
    def inputs(self) -> str:
        return self.chat.inputs

    def tgi_bodies(self, *, serverless: bool, max_stop_sequences: int = TGI_MAX_STOP_SEQUENCES) -> list[bytes]:
        return self.chat.tgi_bodies(serverless=serverless, max_stop_sequences=max_stop_sequences)

    def reply_body(self, meta: CompletionMeta, answers: Sequence[Answer]) -> bytes:
        """The `Response` for TGI's one successful answer."""
        _, headers, content = answers[0]
        generation = read_generation(content)
        answer = choice(self.chat, meta, 0, generation)
        status = response_status(answer["finish_reason"])
        output = output_items(meta, answer["message"], status)
        counts = response_usage(header_int(headers, b"x-prompt-tokens"), generation.generated_tokens)
        return json.dumps(response_object(self, meta, status=status, output=output, usage=counts)).encode()


def plan_responses(
    body: Mapping[str, Any],
    resolve_format: Callable[[str, Any], ChatFormat],
) -> ResponsesPlan:
    """Validate an OpenAI Responses request and decide the TGI call. Raises `InvalidRequest`."""
    for name, reason in _REFUSED.items():
        if name in body and not _asks_nothing(name, body[name]):
            raise InvalidRequest(f"Unsupported parameter '{name}' for Hugging Face models: {reason}", param=name)
    check_names(body, _KNOWN)
    request = {name: body[name] for name in _FORWARDED.intersection(body)}
    request["messages"] = _messages(body)
    request["max_tokens"] = body.get("max_output_tokens")
    request["response_format"] = _response_format(body.get("text"))
    if body.get("tools"):
        request["tools"] = _tools(body["tools"])
    if body.get("tool_choice") is not None:
        request["tool_choice"] = _tool_choice(body["tool_choice"])
    try:
        chat = plan_chat(request, resolve_format)
    except InvalidRequest as error:
        raise _renamed(error) from error
    return ResponsesPlan(chat, _echo(body))


def _asks_nothing(name: str, value: Any) -> bool:
    if name == "reasoning" and isinstance(value, Mapping):
        # `{"effort": "none"}` is a request for no reasoning, which is what TGI does anyway.
        return value.get("effort") in (None, "none") and not value.get("summary") and not value.get("generate_summary")
    return value is not True and value in _HARMLESS_BY_NAME.get(name, _HARMLESS)


def _renamed(error: InvalidRequest) -> InvalidRequest:
    name = _RENAMED.get(error.param or "")
    if name is None:
        return error
    return InvalidRequest(str(error).replace(f"'{error.param}'", f"'{name}'"), param=name)


def _messages(body: Mapping[str, Any]) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []
    instructions = body.get("instructions")
    if instructions is not None and not isinstance(instructions, str):
        raise InvalidRequest("Invalid 'instructions': expected a string", param="instructions")
    if instructions:
        messages.append({"role": "system", "content": instructions})
    items = body.get("input")
    if isinstance(items, str):
        return [*messages, {"role": "user", "content": items}]
    if not isinstance(items, list):
        raise InvalidRequest("Invalid 'input': expected a string or a list of input items", param="input")
    for index, item in enumerate(items):
        message = _message(f"input[{index}]", item)
        previous = messages[-1] if messages else None
        if message.get("tool_calls") and previous is not None and previous.get("tool_calls"):
            previous["tool_calls"].extend(message["tool_calls"])  # parallel calls: one assistant turn
        else:
            messages.append(message)
    return messages


def _message(where: str, item: Any) -> dict[str, Any]:
    if not isinstance(item, Mapping):
        raise InvalidRequest(f"Invalid '{where}': expected an input item object", param="input")
    kind = item.get("type") or "message"
    if kind in ("function_call", "function_call_output"):
        return _tool_turn(where, kind, item)
    if kind != "message":
        raise InvalidRequest(
            f"Unsupported input item '{where}' of type {kind!r} for Hugging Face models: only messages,"
            " function_call and function_call_output items are translated",
            param="input",
        )
    role = item.get("role")
    if role not in _ROLES:
        raise InvalidRequest(f"Invalid '{where}.role': {role!r} is not one of {sorted(_ROLES)}", param="input")
    content = item.get("content")
    if isinstance(content, str):
        return {"role": role, "content": content}
    if not isinstance(content, list):
        raise InvalidRequest(f"Invalid '{where}.content': expected a string or a list of parts", param="input")
    return {"role": role, "content": _text_parts(f"{where}.content", content, _TEXT_PARTS)}


def _text_parts(where: str, parts: list[Any], kinds: frozenset[str]) -> list[dict[str, Any]]:
    """Text parts of the Responses API as the chat route's; any other part is refused (TGI's prompt is text)."""
    translated = []
    for position, part in enumerate(parts):
        part_kind = part.get("type") if isinstance(part, Mapping) else None
        text = part.get("text") if isinstance(part, Mapping) else None
        if part_kind not in kinds or not isinstance(text, str):
            raise InvalidRequest(
                f"Unsupported content '{where}[{position}]' of type {part_kind!r} for Hugging Face models:"
                f" TGI's prompt is text only ({', '.join(sorted(kinds))})",
                param="input",
            )
        translated.append({"type": "text", "text": text})
    return translated


def _tool_turn(where: str, kind: str, item: Mapping[str, Any]) -> dict[str, Any]:
    """A `function_call` item as the chat route's assistant tool call, a `function_call_output` as its tool result."""
    call_id = item.get("call_id")
    if not isinstance(call_id, str):
        raise InvalidRequest(f"Invalid '{where}.call_id': expected a string", param="input")
    if kind == "function_call_output":
        output = item.get("output")
        if isinstance(output, list):  # input_text parts (images and files have no place in a text prompt)
            output = _text_parts(f"{where}.output", output, _OUTPUT_PARTS)
        elif not isinstance(output, str):
            raise InvalidRequest(f"Invalid '{where}.output': expected a string or a list of parts", param="input")
        return {"role": "tool", "tool_call_id": call_id, "content": output}
    name, arguments = item.get("name"), item.get("arguments")
    if not isinstance(name, str) or not isinstance(arguments, str):
        raise InvalidRequest(f"Invalid '{where}': a function_call needs a 'name' and 'arguments'", param="input")
    call = {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}
    return {"role": "assistant", "content": None, "tool_calls": [call]}


def _tools(tools: Any) -> list[dict[str, Any]]:
    """The Responses API's function tools (flat) as the chat route's (nested under `function`)."""
    if not isinstance(tools, list):
        raise InvalidRequest("Invalid 'tools': expected a list of tools", param="tools")
    translated = []
    for index, tool in enumerate(tools):
        kind = tool.get("type") if isinstance(tool, Mapping) else None
        if kind != "function":
            raise InvalidRequest(
                f"Unsupported tool 'tools[{index}]' of type {kind!r} for Hugging Face models: only function tools"
                " are translated (built-in tools run on OpenAI's servers)",
                param="tools",
            )
        function = {key: tool[key] for key in ("name", "description", "parameters") if key in tool}
        translated.append({"type": "function", "function": function})
    return translated


def _tool_choice(choice: Any) -> Any:
    if isinstance(choice, str):
        return choice  # auto, none, required: the same words on the chat route
    if isinstance(choice, Mapping) and choice.get("type") == "function":
        return {"type": "function", "function": {"name": choice.get("name")}}
    raise InvalidRequest(
        f"Unsupported 'tool_choice' {choice!r} for Hugging Face models: use auto, none, required or a function",
        param="tool_choice",
    )


def _response_format(text: Any) -> dict[str, Any] | None:
    """The chat `response_format` for the Responses API's `text` configuration."""
    if text is None:
        return None
    if not isinstance(text, Mapping):
        raise InvalidRequest("Invalid 'text': expected an object with a 'format'", param="text")
    if text.get("verbosity") is not None:
        raise InvalidRequest(
            "Unsupported parameter 'text.verbosity' for Hugging Face models: TGI has no verbosity control",
            param="text.verbosity",
        )
    unknown = sorted(set(text) - {"format", "verbosity"})
    if unknown:
        raise InvalidRequest(f"Unknown parameter 'text.{unknown[0]}' for Hugging Face models", param="text")
    format_ = text.get("format")
    if format_ is None:
        return None
    if not isinstance(format_, Mapping):
        raise InvalidRequest("Invalid 'text.format': expected an object with a 'type'", param="text.format")
    if format_.get("type") == "json_schema":
        # The chat route nests the schema one level deeper; the name and strictness travel along unused.
        fields = ("name", "schema", "strict", "description")
        return {"type": "json_schema", "json_schema": {key: format_[key] for key in fields if key in format_}}
    return {"type": format_.get("type")}  # text, json_object; the chat route refuses other types


def _echo(body: Mapping[str, Any]) -> dict[str, Any]:
    """What OpenAI's `Response` repeats from the request, with OpenAI's defaults for what was not sent.

    Unset sampling is reported as 1.0: TGI then samples at temperature 1 with no nucleus cut.
    """
    text = body.get("text") or {}
    parallel_tool_calls = body.get("parallel_tool_calls")
    temperature, top_p = body.get("temperature"), body.get("top_p")
    return {
        "background": False,
        "instructions": body.get("instructions"),
        "max_output_tokens": body.get("max_output_tokens"),
        "max_tool_calls": body.get("max_tool_calls"),
        "parallel_tool_calls": True if parallel_tool_calls is None else bool(parallel_tool_calls),
        "previous_response_id": None,
        "prompt_cache_key": body.get("prompt_cache_key"),
        "reasoning": {"effort": None, "summary": None},
        "safety_identifier": body.get("safety_identifier"),
        "temperature": 1.0 if temperature is None else temperature,
        "text": {"format": dict(text.get("format") or {"type": "text"})},
        "tool_choice": body.get("tool_choice") or "auto",
        "tools": [dict(tool) for tool in body.get("tools") or ()],
        "top_logprobs": 0,
        "top_p": 1.0 if top_p is None else top_p,
        "truncation": body.get("truncation") or "disabled",
        "user": body.get("user"),
        "metadata": body.get("metadata") or {},
    }


def response_status(finish_reason: str) -> str:
    """TGI stopping on its token limit is OpenAI's "incomplete" (reason `max_output_tokens`)."""
    return "incomplete" if finish_reason == "length" else "completed"


def message_id(meta: CompletionMeta) -> str:
    return "msg_" + meta.id.removeprefix(ResponsesPlan.id_prefix)


def output_text(text: str) -> dict[str, Any]:
    return {"type": "output_text", "text": text, "annotations": [], "logprobs": []}


def message_item(meta: CompletionMeta, text: str | None, status: str) -> dict[str, Any]:
    """The assistant's `message` output item; `text` None for the empty item a stream announces first."""
    content = [] if text is None else [output_text(text)]
    return {"id": message_id(meta), "type": "message", "status": status, "role": "assistant", "content": content}


def output_items(meta: CompletionMeta, message: Mapping[str, Any], status: str) -> list[dict[str, Any]]:
    """The `Response` output for the chat route's answer: its function calls, or one message."""
    calls = message.get("tool_calls")
    if calls:
        return [function_call_item(meta, call, index, "completed") for index, call in enumerate(calls)]
    return [message_item(meta, message["content"], status)]


def function_call_item(meta: CompletionMeta, call: Mapping[str, Any], index: int, status: str) -> dict[str, Any]:
    """A `function_call` output item for one of the chat route's tool calls."""
    suffix = f"_{index}" if index else ""
    function = call["function"]
    return {
        "id": "fc_" + meta.id.removeprefix(ResponsesPlan.id_prefix) + suffix,
        "type": "function_call",
        "status": status,
        "call_id": call["id"],
        "name": function["name"],
        "arguments": function["arguments"],
    }


def response_usage(input_tokens: int, output_tokens: int) -> dict[str, Any]:
    return {
        "input_tokens": input_tokens,
        "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
        "output_tokens": output_tokens,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": input_tokens + output_tokens,
    }


def response_object(
    plan: ResponsesPlan,
    meta: CompletionMeta,
    *,
    status: str,
    output: list[dict[str, Any]],
    usage: dict[str, Any] | None,
) -> dict[str, Any]:
    """OpenAI's `Response` JSON: the whole answer, or (in a stream's first events) the one in progress."""
    return {
        "id": meta.id,
        "object": "response",
        "created_at": meta.created,
        "status": status,
        "error": None,
        "incomplete_details": {"reason": "max_output_tokens"} if status == "incomplete" else None,
        "model": meta.model,
        "output": output,
        **plan.echo,
        "usage": usage,
    }

"""POST /v1/responses as vLLM's ``OpenAIServingResponses`` answers it, plain or streamed, for text.

``instructions`` becomes a system message and ``input`` (a string, or message items whose content is
a string or ``input_text``/``output_text`` parts) the conversation, rendered like a chat. Answers are
``ResponsesResponse.model_dump()``: every field, nulls included; a sequence cut by the output budget
is ``incomplete`` (``max_output_tokens``). A stream is vLLM's simple event sequence, each event
written with its SSE ``event:`` name. vLLM keeps no responses unless its store is switched on (off by
default), so a ``previous_response_id`` is never found. Tools, images and files are not served by
the stand-in (docs/testing.md): such a request is refused with a 400 saying so.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from ..loopback import EventStream, Response, compact_json, json_response
from ._body import decode_json, validate_model
from ._engine import Output
from ._errors import ServingError, VLLMValidationError, error_response
from ._fields import Field, Invalid, Loc, anything, error, list_of, literal, nullable, to_bool, to_float, to_int, to_str
from ._requests import SamplingRequest
from ._sampling import check_prompt_length, max_tokens_for, sampling_params
from ._serving import Serving, model_dump
from ._settings import random_uuid

__all__ = ["ResponsesRoute"]

# ResponsesResponse's fields, in vLLM's order.
_RESPONSE = (
    "id", "created_at", "incomplete_details", "instructions", "metadata", "model", "object", "output",
    "parallel_tool_calls", "temperature", "tool_choice", "tools", "top_p", "background", "max_output_tokens",
    "max_tool_calls", "previous_response_id", "prompt", "reasoning", "service_tier", "status", "text",
    "top_logprobs", "truncation", "usage", "user", "input_messages", "output_messages",
)  # fmt: skip
_TEXT_PARTS = frozenset({"input_text", "output_text"})
_STREAM_HEADERS = (("content-type", "text/event-stream; charset=utf-8"),)
_NOT_SERVED = "the OpenAI-compatible stand-in serves text Responses only, not {}"


def _item(value: Any, loc: Loc) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise Invalid([error("dict_type", loc, "Input should be a valid dictionary", value)])
    return value


def _input(value: Any, loc: Loc) -> str | list[dict[str, Any]]:
    """``str | list[ResponseInputOutputItem]``."""
    if isinstance(value, str):
        return value
    items: list[dict[str, Any]] = list_of(_item)(value, loc)
    return items


_FIELDS = (
    Field("background", nullable(to_bool), False),
    Field("include", nullable(list_of(to_str)), None),
    Field("input", _input),
    Field("instructions", nullable(to_str), None),
    Field("max_output_tokens", nullable(to_int), None),
    Field("max_tool_calls", nullable(to_int), None),
    Field("metadata", nullable(anything), None),
    Field("model", nullable(to_str), None),
    Field("parallel_tool_calls", nullable(to_bool), True),
    Field("previous_response_id", nullable(to_str), None),
    Field("reasoning", nullable(anything), None),
    Field("service_tier", literal("auto", "default", "flex", "scale", "priority"), "auto"),
    Field("store", nullable(to_bool), True),
    Field("stream", nullable(to_bool), False),
    Field("temperature", nullable(to_float), None),
    Field("text", nullable(anything), None),
    Field("tool_choice", anything, "auto"),
    Field("tools", list_of(anything), list, factory=True),
    Field("top_logprobs", nullable(to_int), 0),
    Field("top_p", nullable(to_float), None),
    Field("top_k", nullable(to_int), None),
    Field("truncation", nullable(literal("auto", "disabled")), "disabled"),
    Field("user", nullable(to_str), None),
    Field("request_id", to_str, lambda: f"resp_{random_uuid()}", factory=True),
)


def _background_needs_store(data: Any) -> Any:
    if isinstance(data, dict) and data.get("background") and not data.get("store", True):
        raise ValueError("background can only be used when `store` is true")
    return data


def _no_prompt_template(data: Any) -> Any:
    if isinstance(data, dict) and data.get("prompt") is not None:
        raise VLLMValidationError("prompt template is not supported", parameter="prompt")
    return data


# The last validator a vLLM model defines runs first.
_BEFORE = (_no_prompt_template, _background_needs_store)


def _messages(instructions: str | None, given: str | list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The conversation the chat template renders (``construct_input_messages``)."""
    messages: list[dict[str, Any]] = [{"role": "system", "content": instructions}] if instructions else []
    if isinstance(given, str):
        return [*messages, {"role": "user", "content": given}]
    for item in given:
        if item.get("type", "message") != "message" or "role" not in item:
            raise ServingError(error_response(400, _NOT_SERVED.format(f"{item.get('type')!r} input items")))
        content = item.get("content")
        if isinstance(content, list):
            kinds = {part.get("type") if isinstance(part, dict) else None for part in content}
            if not kinds <= _TEXT_PARTS:
                raise ServingError(error_response(400, _NOT_SERVED.format(f"content parts {sorted(map(str, kinds))}")))
            content = [{"type": "text", "text": part.get("text", "")} for part in content]
        messages.append({"role": item["role"], "content": content})
    return messages


def _schema(text: Any) -> dict[str, Any] | None:
    """``text.format``: a JSON schema guides the output; ``json_object`` is refused, as vLLM's sampling does."""
    spec = text.get("format") if isinstance(text, dict) else None
    if not isinstance(spec, dict):
        return None
    if spec.get("type") == "json_object":
        raise ServingError(error_response(501, "json_object is not supported", "NotImplementedError"))
    schema = spec.get("schema")
    return schema if spec.get("type") == "json_schema" and isinstance(schema, dict) else None


@dataclass(frozen=True)
class _Answer:
    """What one request settled, which the plain answer and every stream event repeat."""

    request: dict[str, Any]
    model: str
    created_at: int
    temperature: float
    top_p: float
    max_output_tokens: int

    def response(self, status: str, output: list[dict[str, Any]], usage: dict[str, Any] | None) -> dict[str, Any]:
        request = self.request
        return model_dump(
            _RESPONSE,
            id=request["request_id"],
            created_at=self.created_at,
            incomplete_details={"reason": "max_output_tokens"} if status == "incomplete" else None,
            instructions=request["instructions"],
            metadata=request["metadata"],
            model=self.model,
            object="response",
            output=output,
            parallel_tool_calls=request["parallel_tool_calls"],
            temperature=self.temperature,
            tool_choice=request["tool_choice"],
            tools=request["tools"],
            top_p=self.top_p,
            background=request["background"],
            max_output_tokens=self.max_output_tokens,
            max_tool_calls=request["max_tool_calls"],
            previous_response_id=request["previous_response_id"],
            reasoning=request["reasoning"],
            service_tier=request["service_tier"],
            status=status,
            text=request["text"],
            truncation=request["truncation"],
            usage=usage,
            user=request["user"],
        )


def _text_part(text: str) -> dict[str, Any]:
    return {"annotations": [], "text": text, "type": "output_text", "logprobs": []}


def _message(item_id: str, text: str | None, status: str) -> dict[str, Any]:
    content = [] if text is None else [_text_part(text)]
    return {"id": item_id, "content": content, "role": "assistant", "status": status, "type": "message"}


def _usage(input_tokens: int, output_tokens: int) -> dict[str, Any]:
    return {
        "input_tokens": input_tokens,
        "input_tokens_details": {"cached_tokens": 0, "input_tokens_per_turn": [], "cached_tokens_per_turn": []},
        "output_tokens": output_tokens,
        "output_tokens_details": {
            "reasoning_tokens": 0,
            "tool_output_tokens": 0,
            "output_tokens_per_turn": [],
            "tool_output_tokens_per_turn": [],
        },
        "total_tokens": input_tokens + output_tokens,
    }


def _stream_error_events(message: str, error_type: str) -> tuple[str | tuple[str, str], ...]:
    """A failure after the 200: an ``error`` event, which ends the stream."""
    code = 400 if error_type == "BadRequestError" else 500
    event = {"code": str(code), "message": message, "param": None, "sequence_number": -1, "type": "error"}
    return (("error", compact_json(event)),)


class ResponsesRoute(Serving):
    def create(self, headers: dict[str, str], body: bytes) -> Response | EventStream:
        raw = decode_json(headers, body)
        request = validate_model(raw, "ResponsesRequest", _FIELDS, _BEFORE)
        self.check_model(request["model"])
        if request["tools"]:
            raise ServingError(error_response(400, _NOT_SERVED.format("tools")))
        previous = request["previous_response_id"]
        if previous is not None:  # the response store is off, as by default
            missing = f"Response with id '{previous}' not found."
            raise ServingError(error_response(404, missing, "invalid_request_error"))
        from easyllm_shim._prompts import resolve_format  # another package; loaded when first used

        messages = _messages(request["instructions"], request["input"])
        prompt = resolve_format(self.settings.model_id, neutralize_markers=False).render(messages)
        prompt_tokens = len(self.engine.tokenizer.encode(prompt, add_special_tokens=False))
        check_prompt_length(prompt_tokens, self.settings.max_model_len)
        max_tokens = max_tokens_for(self.settings.max_model_len, request["max_output_tokens"], prompt_tokens)
        sampling = sampling_params(_as_sampling(raw, request), max_tokens=max_tokens, logprobs=None)
        [output] = self.engine.generate(prompt, sampling, raw, _schema(request["text"]))
        top_p = 1.0 if request["top_p"] is None else request["top_p"]
        answer = _Answer(request, self.settings.model_name, int(time.time()), sampling.temperature, top_p, max_tokens)
        item_id = f"msg_{random_uuid()}"
        if request["stream"]:
            return self._stream(answer, item_id, output, prompt_tokens)
        status = "completed" if output.finish_reason == "stop" else "incomplete"
        message = _message(item_id, output.text, "completed")
        return json_response(200, answer.response(status, [message], _usage(prompt_tokens, output.token_count)))

    @staticmethod
    def _stream(answer: _Answer, item_id: str, output: Output, prompt_tokens: int) -> EventStream:
        text = output.text
        where = {"item_id": item_id, "output_index": 0}
        begun = answer.response("in_progress", [], None)
        events: list[dict[str, Any]] = [
            {"response": begun, "type": "response.created"},
            {"response": begun, "type": "response.in_progress"},
            {"item": _message(item_id, None, "in_progress"), "output_index": 0, "type": "response.output_item.added"},
            {"content_index": 0, **where, "part": _text_part(""), "type": "response.content_part.added"},
        ]
        events += [
            {"content_index": 0, "delta": delta, **where, "logprobs": [], "type": "response.output_text.delta"}
            for delta in output.deltas
            if delta
        ]
        status = "completed" if output.finish_reason == "stop" else "incomplete"
        message = _message(item_id, text, "completed")
        ending: list[dict[str, Any]] = [
            {"content_index": 0, **where, "logprobs": [], "text": text, "type": "response.output_text.done"},
            {"content_index": 0, **where, "part": _text_part(text), "type": "response.content_part.done"},
            {"item": message, "output_index": 0, "type": "response.output_item.done"},
            {
                "response": answer.response(status, [message], _usage(prompt_tokens, output.token_count)),
                "type": "response.completed",  # vLLM's last event, an incomplete response's too
            },
        ]
        framed = tuple(
            (str(event["type"]), compact_json({**event, "sequence_number": number}))
            for number, event in enumerate([*events, *ending])
        )
        return EventStream(framed, len(ending), _STREAM_HEADERS, _stream_error_events)


def _as_sampling(raw: dict[str, Any], request: dict[str, Any]) -> SamplingRequest:
    """The request as the sampling checks read it: only temperature, top_p and top_k are the caller's."""
    return SamplingRequest(
        body=raw, model=request["model"], frequency_penalty=None, logit_bias=None, n=1, presence_penalty=None,
        seed=None, stop=[], stream=request["stream"], stream_options=None, temperature=request["temperature"],
        top_p=request["top_p"], user=request["user"], use_beam_search=False, top_k=request["top_k"], min_p=None,
        repetition_penalty=None, stop_token_ids=None, include_stop_str_in_output=False, ignore_eos=False,
        min_tokens=0, skip_special_tokens=None, add_special_tokens=False, response_format=None,
        request_id=request["request_id"],
    )  # fmt: skip

"""TGI's Messages API (`/v1/chat/completions`, TGI >= 1.4), for chat calls to a TGI server whose model's
chat format the shim does not know: the server applies the model's own chat template.

TGI's route differs from OpenAI's in ways that would change answers, so the request and the answer are
adapted here (docs/backends.md lists them): a bare `stop` string becomes a list, `top_p >= 1` (no
nucleus cut, which TGI refuses) is left out, and parameters TGI ignores or reinterprets (`n > 1`,
`presence_penalty`, `logit_bias`) are refused before any network call. In answers, TGI's
`stop_sequence`/`eos_token` finish reasons become `stop`, tool calls finish with `tool_calls`, the empty
`id` gets one, and a stream without `[DONE]` (TGI < 2.2) gets it.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from typing import Any

from .._translate.errors import InvalidRequest, error_body
from .._translate.params import check_supported
from .._translate.sse import SSEDecoder
from . import openai_compatible
from .endpoint import OPENAI, Endpoint
from .steps import Flow, Reply, Streaming
from .tgi import JSON_HEADERS

_FINISH_REASONS = {"stop_sequence": "stop", "eos_token": "stop"}
# What TGI's Messages API ignores or reinterprets, refused as on TGI's native route.
_REFUSED = ("presence_penalty", "logit_bias")


def request_body(request: Mapping[str, Any], model: str) -> dict[str, Any]:
    """The body TGI's Messages API answers as OpenAI would; raises InvalidRequest for what it cannot honour."""
    body = {name: value for name, value in request.items() if name != "prompt_format"}
    for name in _REFUSED:
        if name in body:
            check_supported(name, body[name])
    if body.get("n") not in (None, 1):
        raise InvalidRequest(f"'n' must be 1 for {model}: TGI's Messages API returns one choice", "n")
    body.pop("n", None)
    if body.get("tools") and body.get("response_format") is not None:
        _one_grammar(body, model)
    if isinstance(body.get("stop"), str):
        body["stop"] = [body["stop"]]
    top_p = body.get("top_p")
    if isinstance(top_p, int | float) and top_p >= 1:
        del body["top_p"]
    return body


def _one_grammar(body: dict[str, Any], model: str) -> None:
    """TGI's Messages API refuses a `response_format` beside `tools`; keep the one OpenAI would apply."""
    response_format = body["response_format"]
    choice = body.get("tool_choice")
    if isinstance(response_format, Mapping) and response_format.get("type") == "text":
        del body["response_format"]  # plain text asks for no grammar
    elif choice == "none":  # no call can be made: the answer is in the format
        del body["tools"], body["tool_choice"]
    elif choice not in (None, "auto"):  # a forced or required call: the format never applies
        del body["response_format"]
    else:
        raise InvalidRequest(
            f"Unsupported 'response_format' with tools and tool_choice 'auto' for {model}: TGI's Messages API"
            f" takes a grammar or tools, not both. To have the shim build the one grammar that allows either,"
            f" {how_to_name_a_format(model)}",
            "response_format",
        )


def call(body: Mapping[str, Any], endpoint: Endpoint, model: str, served: str) -> Flow:
    """The flow of one chat call for `model` to the Messages API of the TGI server at `endpoint`, which runs
    `served` (TGI's answers echo the model asked for)."""
    messages_api = Endpoint(url=endpoint.url + "/v1", kind=OPENAI, headers=endpoint.headers, query=endpoint.query)
    answer = yield from openai_compatible.call("/chat/completions", body, messages_api, _StreamFixer(served))
    if isinstance(answer, Streaming):
        return answer
    if answer.status == 200:
        return Reply(200, answer.headers, _completion(answer.content, served))
    refusal = _refusal(answer, model, endpoint.url)
    return answer if refusal is None else Reply(answer.status, JSON_HEADERS, refusal)


def how_to_name_a_format(model: str) -> str:
    return f"name its format: patch(prompt_formats={{{model!r}: '<format>'}}) or extra_body={{'prompt_format': ...}}"


def _refusal(answer: Reply, model: str, url: str) -> bytes | None:
    """A clear error where the server has no Messages API, or no chat template for its model."""
    how = how_to_name_a_format(model)
    if answer.status == 404:
        message = f"no chat format is known for {model}, and the TGI server at {url} has no Messages API (TGI < 1.4)"
        return error_body(f"{message}; {how}", "invalid_request_error", param="model", code="model_not_supported")
    if answer.status == 422 and b"template_error" in answer.content:
        message = f"no chat format is known for {model}, and the TGI server at {url} has no chat template for it"
        return error_body(f"{message}; {how}", "invalid_request_error", param="model", code="model_not_supported")
    return None


def _completion(content: bytes, served: str) -> bytes:
    try:
        completion = json.loads(content)
        choices = completion["choices"]
    except (ValueError, TypeError, KeyError):
        return content  # the SDK reports what it cannot read
    if not completion.get("id"):
        completion["id"] = "chatcmpl-" + secrets.token_hex(12)
    completion["model"] = served
    for choice in choices if isinstance(choices, list) else ():
        if isinstance(choice, dict):
            message = choice.get("message")
            _fix_finish(choice, isinstance(message, dict) and bool(message.get("tool_calls")))
    return json.dumps(completion).encode()


def _fix_finish(choice: dict[str, Any], tool_calls: bool) -> None:
    reason = choice.get("finish_reason")
    if tool_calls and reason in ("stop", "stop_sequence", "eos_token"):
        choice["finish_reason"] = "tool_calls"
    elif isinstance(reason, str):
        choice["finish_reason"] = _FINISH_REASONS.get(reason, reason)


class _StreamFixer:
    """TGI's chat events as OpenAI's: one id, OpenAI's finish reasons, `[DONE]` at the end."""

    def __init__(self, served: str) -> None:
        self._served = served
        self._decoder = SSEDecoder()
        self._id = "chatcmpl-" + secrets.token_hex(12)
        self._last: dict[str, Any] | None = None  # the last chunk, whose envelope an added chunk repeats
        self._tool_calls = False
        self._finished = False
        self._done = False

    def feed(self, chunk: bytes) -> bytes:
        return b"".join(self._event(data) for data in self._decoder.feed(chunk))

    def finish(self) -> bytes:
        out = b"".join(self._event(data) for data in self._decoder.flush())
        return out if self._done else out + self._event(b"[DONE]")

    def _event(self, data: bytes) -> bytes:
        if data == b"[DONE]":
            self._done = True
            end = b""
            if self._tool_calls and not self._finished and self._last is not None:  # TGI never says it ended
                choice = {"index": 0, "delta": {}, "logprobs": None, "finish_reason": "tool_calls"}
                end = _frame(json.dumps({**self._last, "choices": [choice], "usage": None}).encode())
            return end + _frame(data)
        try:
            chunk = json.loads(data)
        except ValueError:
            return _frame(data)  # the SDK reports what it cannot read
        if not isinstance(chunk, dict) or "error" in chunk:
            return _frame(data)
        if not chunk.get("id"):
            chunk["id"] = self._id
        chunk["model"] = self._served
        for choice in chunk.get("choices") or ():
            if isinstance(choice, dict):
                delta = choice.get("delta")
                self._tool_calls |= isinstance(delta, dict) and bool(delta.get("tool_calls"))
                _fix_finish(choice, self._tool_calls)
                self._finished |= choice.get("finish_reason") is not None
        self._last = chunk
        return _frame(json.dumps(chunk).encode())


def _frame(data: bytes) -> bytes:
    return b"data: " + data + b"\n\n"

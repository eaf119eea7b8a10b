"""What vLLM's serving classes share (``OpenAIServing``): the model check, the answer's envelope, usage,
how prompts are split and counted, and the shape of a stream."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from ..fake_model import Tokenizer
from ..loopback import EventStream, compact_json
from ._engine import Engine
from ._errors import ServingError, error_response
from ._settings import OpenAISettings

__all__ = ["Prompt", "Serving", "model_dump", "prompts_of", "usage"]

_DONE = "[DONE]"
# StreamingResponse(media_type="text/event-stream"); Starlette adds the charset.
_STREAM_HEADERS = (("content-type", "text/event-stream; charset=utf-8"),)

# The error type of an in-stream error decides the code vLLM writes next to it.
_STREAM_ERROR_CODES = {"BadRequestError": 400, "ServiceUnavailableError": 503}
# UsageInfo's detail fields: a plain answer's model_dump() writes both (null).
_USAGE_DETAILS = ("prompt_tokens_details", "completion_tokens_details")


class Serving:
    """The routes' base, as ``OpenAIServing`` is vLLM's: the served model's settings and its engine."""

    def __init__(self, settings: OpenAISettings, engine: Engine) -> None:
        self.settings = settings
        self.engine = engine

    def check_model(self, model: str | None) -> None:
        """``_check_model``: no model (or "") means the served one; any other name must be a served alias."""
        settings = self.settings
        if not model or model in settings.served_model_names:
            return
        names = ", ".join(settings.served_model_names)
        message = f"The model `{model}` does not exist. Valid aliases: {names}."
        raise ServingError(error_response(404, message, "NotFoundError", "model"))

    def envelope(self, prefix: str, kind: str, headers: dict[str, str], body_id: str) -> dict[str, Any]:
        """``id``, ``object``, ``created`` and ``model``, which an answer and each of its chunks open with. An
        ``X-Request-Id`` header wins over the body's ``request_id`` (itself random by default)."""
        request_id = headers.get("x-request-id", body_id)
        return {
            "id": f"{prefix}-{request_id}",
            "object": kind,
            "created": int(time.time()),
            "model": self.settings.model_name,
        }

    def stream(self, envelope: dict[str, Any], events: list[str], total: dict[str, Any] | None) -> EventStream:
        """The chunks, then (when ``stream_options`` asked for usage) the ``choices: []`` chunk with the
        ``total`` usage, then ``[DONE]``; faults never cut the finishing chunk, the usage chunk or ``[DONE]``."""
        ending = [_DONE]
        if total is not None:
            fingerprint = self.settings.system_fingerprint
            usage_chunk = {**envelope, "choices": [], "usage": total, "system_fingerprint": fingerprint}
            ending.insert(0, compact_json(usage_chunk))
        return EventStream((*events, *ending), 1 + len(ending), _STREAM_HEADERS, _stream_error_events)


def model_dump(fields: tuple[str, ...], **values: Any) -> dict[str, Any]:
    """A plain answer's part as vLLM's ``model_dump()`` writes it: every field of the response model, in
    declaration order, null where the route sets none."""
    unknown = values.keys() - set(fields)
    if unknown:
        raise TypeError(f"not a field of the response model: {sorted(unknown)}")
    return {name: values.get(name) for name in fields}


def usage(prompt_tokens: int, completion_tokens: int, details: tuple[str, ...] = _USAGE_DETAILS) -> dict[str, Any]:
    """``UsageInfo`` in vLLM's field order; a stream chunk carries only the ``details`` fields vLLM sets (as null)."""
    return {
        "prompt_tokens": prompt_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
        "completion_tokens": completion_tokens,
        **dict.fromkeys(details),
    }


def _stream_error_events(message: str, error_type: str) -> tuple[str, ...]:
    """An error after the 200: vLLM yields its ErrorResponse as a ``data:`` event, then ``[DONE]``."""
    code = _STREAM_ERROR_CODES.get(error_type, 500)
    return compact_json({"error": {"message": message, "type": error_type, "param": None, "code": code}}), _DONE


@dataclass(frozen=True)
class Prompt:
    """One prompt of a completion or embedding request: its text (for the fake model), its token count,
    and the value as sent (a string or token ids)."""

    text: str
    tokens: int
    value: str | list[int]


def prompts_of(
    value: str | list[str] | list[int] | list[list[int]], tokenizer: Tokenizer, *, add_special_tokens: bool
) -> list[Prompt]:
    """A string, a list of strings, token ids, or a list of token-id lists, as vLLM splits them into prompts.
    Token ids are counted as they are; the fake model reads them as their decimal text."""
    items: list[Any] = [value] if isinstance(value, str) else list(value)
    if items and all(isinstance(each, int) for each in items):
        items = [items]
    prompts = []
    for each in items:
        if isinstance(each, str):
            prompts.append(Prompt(each, len(tokenizer.encode(each, add_special_tokens=add_special_tokens)), each))
        else:
            prompts.append(Prompt(" ".join(map(str, each)), len(each), each))
    return prompts

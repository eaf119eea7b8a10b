"""What vLLM's serving classes share: the model check, request ids, usage, and the shape of a stream."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..fake_model import Tokenizer
from ..loopback import compact_json
from ._errors import ServingError, error_response
from ._settings import OpenAISettings

__all__ = [
    "DONE",
    "STREAM_HEADERS",
    "Prompt",
    "check_model",
    "prompts_of",
    "request_id",
    "stream_error_events",
    "usage",
]

DONE = "[DONE]"
# StreamingResponse(media_type="text/event-stream"); Starlette adds the charset.
STREAM_HEADERS = (("content-type", "text/event-stream; charset=utf-8"),)

# The error type of an in-stream error decides the code vLLM writes next to it.
_STREAM_ERROR_CODES = {"BadRequestError": 400, "ServiceUnavailableError": 503}


def check_model(settings: OpenAISettings, model: str | None) -> None:
    """``_check_model``: no model (or "") means the served one; any other name must be a served alias."""
    if not model or model in settings.served_model_names:
        return
    names = ", ".join(settings.served_model_names)
    message = f"The model `{model}` does not exist. Valid aliases: {names}."
    raise ServingError(error_response(404, message, "NotFoundError", "model"))


def request_id(headers: dict[str, str], body_id: str) -> str:
    """An ``X-Request-Id`` header wins over the body's ``request_id`` (itself random by default)."""
    return headers.get("x-request-id", body_id)


def usage(prompt_tokens: int, completion_tokens: int) -> dict[str, Any]:
    """``UsageInfo`` as ``model_dump()`` writes it in a plain answer (every field, in vLLM's order)."""
    return {
        "prompt_tokens": prompt_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
        "completion_tokens": completion_tokens,
        "prompt_tokens_details": None,
        "completion_tokens_details": None,
    }


def stream_error_events(message: str, error_type: str) -> tuple[str, ...]:
    """An error after the 200: vLLM yields its ErrorResponse as a ``data:`` event, then ``[DONE]``."""
    code = _STREAM_ERROR_CODES.get(error_type, 500)
    return compact_json({"error": {"message": message, "type": error_type, "param": None, "code": code}}), DONE


@dataclass(frozen=True)
class Prompt:
    """One prompt of a completion or embedding request: its text (for the fake model) and its token count."""

    text: str
    tokens: int


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
            prompts.append(Prompt(each, len(tokenizer.encode(each, add_special_tokens=add_special_tokens))))
        else:
            prompts.append(Prompt(" ".join(map(str, each)), len(each)))
    return prompts

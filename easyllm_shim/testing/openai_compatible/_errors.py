"""vLLM's error answers: ``{"error": {"message", "type", "param", "code"}}`` and how each is worded.

Three producers, as in vLLM 0.33: ``create_error_response`` (the serving layer, and the exception
handlers for ``VLLMError``, ValueError and TypeError), ``validation_exception_handler`` (FastAPI's
``RequestValidationError``: pydantic's errors rendered into one message, type ``"Bad Request"``), and
FastAPI's own ``{"detail": ...}`` for routing errors and unreadable bodies. Every message goes
through ``sanitize_message``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from ..loopback import Response, json_response

__all__ = [
    "ServingError",
    "VLLMValidationError",
    "detail_response",
    "error_response",
    "from_exception",
    "unauthorized",
    "validation_response",
]

# Bounds from vLLM's validation handler: pydantic repeats the input in every error, so it caps them.
_MAX_REPORTED_ERRORS = 10
_MAX_ERROR_INPUT_CHARS = 200
_MAX_ERROR_CHARS = 1000

_BRACKETED = re.compile(r"[\[\]{}()]")
# pydantic-core's schema-kind names, which vLLM drops from an error's `loc`.
_INTERNAL_LOC_MARKERS = frozenset(
    {
        "function-wrap", "function-after", "function-before", "function-plain", "json-or-python",
        "lax-or-strict", "chain", "default", "nullable", "tagged-union", "union", "call", "arguments",
        "is-instance", "is-subclass", "callable", "str", "int", "float", "bool", "bytes", "bytearray",
        "list", "tuple", "dict", "set", "frozenset", "complex", "none", "nonetype",
    }
)  # fmt: skip


class VLLMValidationError(ValueError):
    """vLLM's validation error: its text names the parameter and value, which also land in ``param``."""

    def __init__(self, message: str, *, parameter: str | None = None, value: Any = None) -> None:
        super().__init__(message)
        self.parameter = parameter
        self.value = value

    def __str__(self) -> str:
        extras = []
        if self.parameter is not None:
            extras.append(f"parameter={self.parameter}")
        if self.value is not None:
            extras.append(f"value={self.value}")
        base = super().__str__()
        return f"{base} ({', '.join(extras)})" if extras else base


class ServingError(Exception):
    """A refusal raised from anywhere in a handler; the app answers ``response``."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status)
        self.response = response


def sanitize_message(message: str) -> str:
    """vLLM strips memory addresses, tracebacks and file paths from every error message."""
    message = re.sub(r" at 0x[0-9a-fA-F]+>", ">", message)
    message = re.sub(r'\n?\s*File "[^"]+", line \d+, in \S+(\n\s+.*)?', "", message)
    message = re.sub(r"/(?:home|usr|opt|var|tmp|root|lib|mnt|srv)(?:/[\w.\-]+)+", "<path>", message)
    message = re.sub(r"(?:/[\w\-]+)+/[\w\-]+\.\w+", "<path>", message)
    return message.strip()


def error_response(status: int, message: str, err_type: str = "BadRequestError", param: str | None = None) -> Response:
    """``ErrorResponse(error=ErrorInfo(...))`` as ``JSONResponse(model_dump())`` sends it."""
    info = {"message": sanitize_message(message), "type": err_type, "param": param, "code": status}
    return json_response(status, {"error": info})


def from_exception(error: Exception) -> Response:
    """``create_error_response(exc)``: a validation error names its parameter; other user errors are 400s."""
    if isinstance(error, VLLMValidationError):
        return error_response(400, str(error), "BadRequestError", error.parameter)
    if isinstance(error, ValueError | TypeError | OverflowError):
        return error_response(400, str(error), "BadRequestError")
    return error_response(500, str(error), "InternalServerError")


def detail_response(status: int, detail: str, headers: tuple[tuple[str, str], ...] = ()) -> Response:
    """FastAPI's default handler for Starlette's HTTPException (404, 405, an unreadable body)."""
    return json_response(status, {"detail": detail}, headers)


def unauthorized() -> Response:
    """The --api-key middleware's answer, which is not an ErrorResponse."""
    return json_response(401, {"error": "Unauthorized"})


def clean_loc(loc: Sequence[str | int]) -> str:
    """A pydantic ``loc`` as the dotted ``param`` vLLM reports, without pydantic's internal markers."""
    parts = [str(part) for part in loc if not _is_internal(str(part))]
    return ".".join(parts) if parts else ".".join(str(part) for part in loc)


def _is_internal(segment: str) -> bool:
    return bool(_BRACKETED.search(segment)) or segment.lower() in _INTERNAL_LOC_MARKERS


def _summarize_input(value: object) -> object:
    if isinstance(value, str):
        return value[:_MAX_ERROR_INPUT_CHARS] + "...[truncated]" if len(value) > _MAX_ERROR_INPUT_CHARS else value
    if isinstance(value, list | tuple | set | frozenset | dict):
        return f"<{type(value).__name__} of {len(value)} items>"
    text = str(value)
    return text[:_MAX_ERROR_INPUT_CHARS] + "...[truncated]" if len(text) > _MAX_ERROR_INPUT_CHARS else text


def _format_error(error: object) -> str:
    if isinstance(error, dict):
        error = dict(error)
        if "input" in error:
            error["input"] = _summarize_input(error["input"])
        if isinstance(error.get("loc"), tuple | list):
            error["loc"] = clean_loc(error["loc"])
    text = str(error)
    return text[:_MAX_ERROR_CHARS] + "...[truncated]" if len(text) > _MAX_ERROR_CHARS else text


def validation_response(errors: Sequence[object]) -> Response:
    """``validation_exception_handler``: pydantic's error dicts (or plain strings) rendered as vLLM does."""
    param: str | None = None
    for error in errors:
        ctx = error.get("ctx") if isinstance(error, dict) else None
        if isinstance(ctx, dict) and isinstance(ctx.get("error"), VLLMValidationError):
            param = ctx["error"].parameter
            break
    first = errors[0] if errors else None
    if param is None and isinstance(first, dict) and first.get("loc"):
        param = clean_loc(first["loc"])
    if errors:
        label = "error" if len(errors) == 1 else "errors"
        reported = errors[:_MAX_REPORTED_ERRORS]
        message = f"{len(errors)} validation {label}:\n" + "".join(f"  {_format_error(e)}\n" for e in reported)
        if len(errors) > len(reported):
            message += f"  ...and {len(errors) - len(reported)} more {label}\n"
        message = message.rstrip()
    else:
        message = "Validation error"
    return error_response(400, message, "Bad Request", param)

"""TGI failures → OpenAI error bodies, so the SDK raises its own exception classes."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

# TGI validates inside its stream, so /generate_stream reports every failure as an event of an
# HTTP 200. When the failure is the stream's first event we answer with the status TGI gives the
# same error on /generate, so `create(stream=True)` raises, and retries, as it would against OpenAI.
# (docs/parameters.md, "TGI's wire protocol, as the shim relies on it".)
STREAM_ERROR_STATUS: Mapping[str, int] = {
    "validation": 422,
    "template_error": 422,
    "missing_template_variable": 422,
    "tool_error": 422,
    "overloaded": 429,
    "generation": 424,
    "incomplete_generation": 500,
    "incomplete_generation_stream": 500,
}

_EMPTY_BODY_MESSAGES: Mapping[int, str] = {
    401: "the Hugging Face endpoint rejected the credentials (401 with an empty body); check HF_TOKEN",
}


class InvalidRequest(ValueError):
    """A request the shim refuses before any network call; becomes the SDK's BadRequestError (400)."""

    def __init__(self, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.param = param


def error_body(message: str, type_: str, *, param: str | None = None, **extra: Any) -> bytes:
    error = {"message": message, "type": type_, "param": param, "code": None, **extra}
    return json.dumps({"error": error}).encode()


def invalid_request_body(error: InvalidRequest) -> bytes:
    return error_body(str(error), "invalid_request_error", param=error.param)


def tgi_error_fields(payload: Any) -> tuple[str, str, dict[str, Any]] | None:
    """(message, error_type, other fields) of a TGI or HF-serverless error payload, or None if it is not one."""
    if not isinstance(payload, dict) or payload.get("error") is None:
        return None
    error = payload["error"]
    extra = {key: value for key, value in payload.items() if key not in ("error", "error_type")}
    if isinstance(error, dict):  # OpenAI-style events on TGI's /v1 routes (≥ 2.4.1)
        return str(error.get("message", error)), str(payload.get("error_type", "tgi_error")), extra
    return str(error), str(payload.get("error_type") or "tgi_error"), extra


def upstream_error(status: int, content: bytes) -> tuple[bytes, dict[str, str]]:
    """Reshape a non-2xx TGI/HF body into OpenAI's `{"error": {...}}`; keep every field it had.

    Returns the body and extra response headers (`retry-after` from the serverless API's
    `estimated_time`, which the SDK honours when it retries a 503 while a model loads).
    """
    text = content.decode("utf-8", "replace").strip()
    try:
        payload = json.loads(text) if text else None
    except ValueError:
        payload = None
    fields = tgi_error_fields(payload)
    headers: dict[str, str] = {}
    if fields is None:
        # TGI's web framework (axum) rejects malformed bodies in text/plain; proxies may answer HTML or nothing.
        message = text or _EMPTY_BODY_MESSAGES.get(status, f"the Hugging Face endpoint answered HTTP {status}")
        return error_body(message, "tgi_error"), headers
    message, type_, extra = fields
    estimated = extra.get("estimated_time")
    if isinstance(estimated, int | float) and estimated > 0:
        headers["retry-after"] = str(math.ceil(estimated))
    return error_body(message, type_, **extra), headers


def stream_error_frame(message: str, type_: str) -> bytes:
    return b"data: " + json.dumps({"error": {"message": message, "type": type_}}).encode() + b"\n\n"

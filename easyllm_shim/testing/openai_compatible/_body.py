"""A request body on its way to a vLLM handler: FastAPI's JSON decode, vLLM's content-type check, pydantic.

The order is FastAPI's: the body is decoded first (only when the content type is JSON), then the
route's dependency ``validate_json_request`` runs, then pydantic validates the model: its ``before``
model validators (the last defined runs first), then every field. Each failure raises
``ServingError`` with the answer vLLM gives.
"""

from __future__ import annotations

import email.message
import json
from collections.abc import Callable, Sequence
from typing import Any

from ._errors import ServingError, detail_response, from_exception, validation_response
from ._fields import Field, error, read_fields

__all__ = ["BeforeValidator", "decode_json", "validate_model"]

BeforeValidator = Callable[[Any], Any]

_UNSUPPORTED_MEDIA = "Unsupported Media Type: Only 'application/json' is allowed"


def _is_json(content_type: str) -> bool:
    """FastAPI decodes ``application/json`` and ``application/*+json`` (parameters allowed)."""
    message = email.message.Message()
    message["content-type"] = content_type
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and (subtype == "json" or subtype.endswith("+json"))


def decode_json(headers: dict[str, str], body: bytes) -> Any:
    """The decoded body, or None for an empty one (which pydantic then reports as missing)."""
    content_type = headers.get("content-type")
    value: Any = None
    # FastAPI's strict_content_type: a body without a JSON content type stays bytes.
    if body and content_type and _is_json(content_type):
        try:
            value = json.loads(body)
        except json.JSONDecodeError as exc:
            invalid = error("json_invalid", ("body", exc.pos), "JSON decode error", {}, {"error": exc.msg})
            raise ServingError(validation_response([invalid])) from None
        except Exception:  # e.g. bytes that are not UTF-8
            raise ServingError(detail_response(400, "There was an error parsing the body")) from None
    # vLLM's dependency compares the media type exactly, after lower-casing.
    if (content_type or "").lower().split(";", 1)[0] != "application/json":
        raise ServingError(validation_response([_UNSUPPORTED_MEDIA]))
    return value


def validate_model(
    value: Any, class_name: str, fields: Sequence[Field], before: Sequence[BeforeValidator] = ()
) -> dict[str, Any]:
    """Validate the decoded body as the route's model; ``before`` is in the order pydantic runs it."""
    if value is None:
        raise ServingError(validation_response([error("missing", ("body",), "Field required", None)]))
    for check in before:
        try:
            value = check(value)
        except ValueError as exc:  # pydantic turns a ValueError into a `value_error` of the whole model
            refusal = error("value_error", ("body",), f"Value error, {exc}", value, {"error": exc})
            raise ServingError(validation_response([refusal])) from None
        except TypeError as exc:  # pydantic lets it through; vLLM's handler for TypeError answers
            raise ServingError(from_exception(exc)) from None
    if not isinstance(value, dict):
        message = f"Input should be a valid dictionary or instance of {class_name}"
        refusal = error("model_type", ("body",), message, value, {"class_name": class_name})
        raise ServingError(validation_response([refusal]))
    values, errors = read_fields(value, fields, ("body",))
    if errors:
        raise ServingError(validation_response(errors))
    return values

"""TGI's ErrorResponse, ``{"error": message, "error_type": kind}``: as an answer, and as an event of a stream."""

from __future__ import annotations

from ..loopback import Response, compact_json, json_response

__all__ = ["error_event", "error_response"]


def error_response(status: int, message: str, error_type: str) -> Response:
    return json_response(status, {"error": message, "error_type": error_type})


def error_event(message: str, error_type: str) -> tuple[str, ...]:
    """A failure inside /generate_stream: the same body as one ``data:`` event, which ends the stream."""
    return (compact_json({"error": message, "error_type": error_type}),)

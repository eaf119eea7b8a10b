"""What travels over the wire: recorded requests, plain responses and SSE event streams."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "EventStream",
    "RecordedRequest",
    "Response",
    "compact_json",
    "json_response",
    "text_response",
]

JSON = "application/json"
TEXT = "text/plain; charset=utf-8"


def compact_json(value: Any) -> str:
    """serde_json's compact form: no spaces, non-ASCII kept as UTF-8."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the server received it. ``path`` includes the query string; header names are lower-case."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        """The body decoded as JSON."""
        return json.loads(self.body)


@dataclass(frozen=True)
class Response:
    """A complete response; the HTTP layer adds ``date`` and ``content-length``."""

    status: int
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()


def json_response(status: int, value: Any, headers: tuple[tuple[str, str], ...] = ()) -> Response:
    return Response(status, compact_json(value).encode("utf-8"), (("content-type", JSON), *headers))


def text_response(status: int, text: str) -> Response:
    return Response(status, text.encode("utf-8"), (("content-type", TEXT),))


@dataclass(frozen=True)
class EventStream:
    """A 200 ``text/event-stream`` answer, already generated; the HTTP layer paces and frames it.

    ``events`` are the ``data:`` payloads in order (a ``(name, payload)`` pair also writes the SSE
    ``event:`` field, as the Responses API's streams do); the last ``ending`` of them close the stream (the
    final token event, or the finish chunk, usage chunk and ``[DONE]``), so injected faults land
    before them. ``error_events`` renders a generation error ``(message, error_type)`` the way this
    route reports one inside its stream.
    """

    events: tuple[str | tuple[str, str], ...]
    ending: int
    headers: tuple[tuple[str, str], ...]
    error_events: Callable[[str, str], tuple[str | tuple[str, str], ...]] = field(repr=False)

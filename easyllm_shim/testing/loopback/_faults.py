"""Queued misbehaviour: error answers, model-loading 503s, stalls and broken streams.

A fault waits in the queue until a request it matches takes it. "Before" faults (an answer to send
instead, or a stall) are taken by any matching request; stream faults only by a matching request
whose answer is an event stream. A fault with ``path=None`` matches the routes the queue was made
with (each stand-in's generation routes).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ._wire import JSON, TEXT, Response, compact_json

__all__ = ["Fault", "FaultQueue", "fault_response"]

BEFORE = frozenset({"respond", "stall"})
STREAM = frozenset({"cut", "malformed", "error", "stall_stream"})


@dataclass
class Fault:
    """One queued fault; ``remaining`` counts the requests it still applies to."""

    kind: str
    path: str | None
    remaining: int = 1
    response: Response | None = None
    seconds: float = 0.0
    after_events: int = 0
    message: str = ""
    error_type: str = ""


def fault_response(
    status: int, body: bytes | str | dict[str, Any] | list[Any] | None, headers: dict[str, str]
) -> Response:
    """A dict or list becomes JSON, a str text/plain, bytes are sent as they are; ``headers`` win."""
    content_type: str | None = None
    if isinstance(body, dict | list):
        payload, content_type = compact_json(body).encode("utf-8"), JSON
    elif isinstance(body, str):
        payload, content_type = body.encode("utf-8"), TEXT
    else:
        payload = body or b""
    names = {name.lower() for name in headers}
    extra = [("content-type", content_type)] if content_type is not None and "content-type" not in names else []
    return Response(status, payload, (*extra, *((name.lower(), value) for name, value in headers.items())))


class FaultQueue:
    """Thread-safe FIFO of faults; ``unscoped`` says which routes a fault with ``path=None`` applies to."""

    def __init__(self, unscoped: Callable[[str], bool]) -> None:
        self._unscoped = unscoped
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> None:
        if fault.remaining < 1:
            raise ValueError(f"times must be at least 1, not {fault.remaining}")
        if fault.after_events < 0 or fault.seconds < 0:
            raise ValueError("after_events and seconds cannot be negative")
        with self._lock:
            self._faults.append(fault)

    def take_before(self, path: str) -> Fault | None:
        return self._take(BEFORE, path)

    def take_stream(self, path: str) -> Fault | None:
        return self._take(STREAM, path)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def _take(self, kinds: frozenset[str], path: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.kind in kinds and self._matches(fault, path):
                    fault.remaining -= 1
                    if fault.remaining == 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def _matches(self, fault: Fault, path: str) -> bool:
        return self._unscoped(path) if fault.path is None else path == fault.path

"""What both stand-ins are served by: a loopback HTTP/1.1 server with a request log and a fault queue.

A stand-in routes each request to a ``Response`` or an ``EventStream``; the HTTP layer frames,
paces and breaks them (``LoopbackServer``'s faults) and records what it receives.
"""

from __future__ import annotations

from ._server import LoopbackServer
from ._wire import EventStream, RecordedRequest, Response, compact_json, json_response, text_response

__all__ = [
    "EventStream",
    "LoopbackServer",
    "RecordedRequest",
    "Response",
    "compact_json",
    "json_response",
    "text_response",
]

"""Driving a call's flow (`easyllm_shim._upstream`) by hand: the I/O steps answered from a script.

The flows are sans I/O, so their logic is tested here on exact bytes, cut wherever a network
would cut them; the drivers that carry out the same steps over HTTP are tested end to end.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from easyllm_shim._config.settings import Config
from easyllm_shim._flows import drive, relay
from easyllm_shim._upstream.steps import (
    Close,
    CloseOne,
    Open,
    Read,
    ReadAll,
    Reply,
    Request,
    Send,
    Step,
    Streaming,
)
from easyllm_shim._upstream.upstream import Upstream

INFO = json.dumps({"model_id": "scripted", "max_stop_sequences": 4, "version": "3.3.6"}).encode()
SSE = [(b"content-type", b"text/event-stream")]
JSON = [(b"content-type", b"application/json")]


@dataclass
class Script:
    """Answers for a flow's steps: `/info`, whole answers for `Send`, and the pieces of each opened stream."""

    info: bytes = INFO
    answers: list[tuple[int, bytes]] = field(default_factory=list)
    streams: list[list[bytes]] = field(default_factory=list)
    sent: list[Request] = field(default_factory=list)
    closed: list[int | str] = field(default_factory=list)
    _pieces: list[Iterator[bytes]] = field(default_factory=list)

    def do(self, step: Step) -> Any:
        if isinstance(step, Send):
            self.sent.extend(step.requests)
            return [self._answer(request) for request in step.requests]
        if isinstance(step, Open):
            self.sent.extend(step.requests)
            self._pieces = [iter(pieces) for pieces in self.streams]
            return [(200, SSE) for _ in step.requests]
        if isinstance(step, Read):
            return next(self._pieces[step.stream], b"")
        if isinstance(step, ReadAll):
            return b"".join(self._pieces[step.stream])
        if isinstance(step, CloseOne):
            self.closed.append(step.stream)
        elif isinstance(step, Close):
            self.closed.append("all")
        return None

    def relay(self, outcome: Streaming) -> list[bytes]:
        return list(relay(outcome.relay, self.do))

    def paths(self) -> list[str]:
        return [request.url.rsplit("/", 1)[-1] for request in self.sent]

    def _answer(self, request: Request) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        if request.url.endswith("/info"):
            return 200, JSON, self.info
        status, body = self.answers.pop(0)
        return status, JSON, body


def run_flow(config: Config | Upstream, path: str, body: Mapping[str, Any], script: Script) -> Reply | Streaming:
    upstream = config if isinstance(config, Upstream) else Upstream(config)
    return drive(upstream.call(path, body), script.do)

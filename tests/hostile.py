"""A raw-socket HTTP server that answers exactly the bytes a test gives it: what no well-behaved server sends.

`HostileServer(answer)` calls `answer(method, path)` for each request and writes the bytes it returns
as they are. With `hold=True` a connection is then kept open (no more bytes, or `keepalive` every
`interval` seconds, `keepalives` times) until the server stops, as a server that never ends its
stream would. `/info` gets a 404 unless `answer` says otherwise, so TGI's defaults apply.
"""

from __future__ import annotations

import json
import socket
import socketserver
import threading
from collections.abc import Callable, Iterable
from typing import Any

Answer = Callable[[str, str], bytes | None]


def response(status: int, body: bytes | dict[str, Any] | list[Any], headers: Iterable[tuple[str, str]] = ()) -> bytes:
    """A whole HTTP/1.1 answer with a content-length; a dict or list becomes JSON. It closes its
    connection, so no test leaves a pooled connection to a server that has stopped."""
    if not isinstance(body, bytes):
        body = json.dumps(body).encode()
        headers = [("content-type", "application/json"), *headers]
    lines = [
        f"HTTP/1.1 {status} X",
        *(f"{name}: {value}" for name, value in headers),
        f"content-length: {len(body)}",
        "connection: close",
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def event_stream_head(headers: Iterable[tuple[str, str]] = ()) -> bytes:
    lines = ["HTTP/1.1 200 OK", "content-type: text/event-stream", "transfer-encoding: chunked", *headers]
    return ("\r\n".join(f"{line}" for line in lines) + "\r\n\r\n").encode()


def chunk(data: bytes) -> bytes:
    """One chunk of a chunked body."""
    return b"%x\r\n%s\r\n" % (len(data), data)


def events(*payloads: dict[str, Any] | bytes) -> bytes:
    """TGI events, each one chunk."""
    return b"".join(
        chunk(b"data:" + (p if isinstance(p, bytes) else json.dumps(p).encode()) + b"\n\n") for p in payloads
    )


class HostileServer:
    def __init__(
        self,
        answer: Answer,
        *,
        hold: bool = False,
        keepalive: bytes = b"",
        keepalives: int = 0,
        interval: float = 0.02,
    ) -> None:
        self.answer = answer
        self.hold, self.keepalive, self.keepalives, self.interval = hold, keepalive, keepalives, interval
        self.requests: list[tuple[str, str]] = []
        self.stopping = threading.Event()
        owner = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                owner._serve(self.request)

        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.01,), daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> HostileServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()

    def _serve(self, connection: socket.socket) -> None:
        try:
            self._answer_each(connection)
        except OSError:  # the client hung up
            return

    def _answer_each(self, connection: socket.socket) -> None:
        """One request a connection: each answer closes it (`connection: close`), unless it is held open."""
        reader = connection.makefile("rb")
        request_line = reader.readline()
        if not request_line:
            return
        method, path = request_line.decode().split(" ")[:2]
        length = 0
        while (line := reader.readline()) not in (b"\r\n", b"\n", b""):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        reader.read(length)
        self.requests.append((method, path))
        answer = self.answer(method, path)
        connection.sendall(response(404, {"error": "not found"}) if answer is None else answer)
        if not self.hold or path == "/info":
            return
        for _ in range(self.keepalives):
            if self.stopping.wait(self.interval):
                return
            connection.sendall(self.keepalive)
        self.stopping.wait()

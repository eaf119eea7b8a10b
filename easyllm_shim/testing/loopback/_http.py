"""HTTP/1.1 plumbing on the standard library: keep-alive, chunked SSE, recording and injected faults.

One daemon thread per connection (``ThreadingHTTPServer``). Every request is read in full, so a
refused request never breaks the connection for the next one, and recorded before anything else.
"""

from __future__ import annotations

import contextlib
import socket
import socketserver
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from ._faults import Fault, FaultQueue
from ._wire import EventStream, RecordedRequest, Response, text_response

__all__ = ["App", "Host", "HttpServer"]

# A stand-in's routing: (method, path with its query, headers with lower-case names, body) -> the answer.
App = Callable[[str, str, dict[str, str], bytes], "Response | EventStream"]

_MALFORMED = "{not json"
_READ_SIZE = 65536
_JOIN_TIMEOUT = 5.0


@dataclass(frozen=True)
class Host:
    """What the HTTP layer needs from the server object; ``sse_space`` and ``token_delay`` shape its streams."""

    app: App
    faults: FaultQueue
    stopping: threading.Event
    record: Callable[[RecordedRequest], None]
    sse_space: bool = True
    token_delay: float = 0.0


class _BadRequest(Exception):
    pass


class HttpServer(ThreadingHTTPServer):
    """Tracks its connections and threads so that ``close`` leaves nothing open."""

    daemon_threads = True
    # Enough backlog for a thousand clients connecting at once.
    request_queue_size = 1024

    def __init__(self, address: tuple[str, int], host: Host, *, ipv6: bool = False) -> None:
        self.address_family = socket.AF_INET6 if ipv6 else socket.AF_INET
        self.host = host
        self._lock = threading.Lock()
        self._connections: set[socket.socket] = set()
        self._workers: set[threading.Thread] = set()
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves the host's FQDN, which can stall on a slow resolver.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)

    def process_request(self, request: Any, client_address: Any) -> None:
        worker = threading.Thread(target=self._work, args=(request, client_address), daemon=True)
        with self._lock:
            self._workers.add(worker)
        worker.start()

    def _work(self, request: Any, client_address: Any) -> None:
        try:
            self.process_request_thread(request, client_address)
        finally:
            with self._lock:
                self._workers.discard(threading.current_thread())

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up (or resets) mid-request is routine in tests; anything else is reported.
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)

    def track(self, connection: socket.socket, *, open_: bool) -> None:
        with self._lock:
            (self._connections.add if open_ else self._connections.discard)(connection)

    def close(self) -> None:
        """Stop accepting, close the listening socket, end every open connection, wait for the workers."""
        self.shutdown()
        self.server_close()
        with self._lock:
            connections, workers = list(self._connections), list(self._workers)
        for connection in connections:
            with contextlib.suppress(OSError):  # already closed by its client
                connection.shutdown(socket.SHUT_RDWR)
        for worker in workers:
            worker.join(_JOIN_TIMEOUT)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: HttpServer

    def setup(self) -> None:
        super().setup()
        # Small SSE frames must leave at once, not wait for Nagle.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.track(self.connection, open_=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.track(self.connection, open_=False)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: tests read ``server.requests`` instead."""

    def do_GET(self) -> None:
        self._serve()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET

    # -- one request ---------------------------------------------------------------------------------
    def _serve(self) -> None:
        try:
            self._answer()
        except OSError:  # the client went away, or stop() ended the connection
            self.close_connection = True

    def _answer(self) -> None:
        host = self.server.host
        try:
            body = self._read_body()
        except _BadRequest as error:
            self.close_connection = True
            self._send(text_response(400, str(error)))
            return
        headers = {name.lower(): value for name, value in self.headers.items()}
        host.record(RecordedRequest(self.command, self.path, headers, body))
        route = self.path.split("?", 1)[0]
        fault = host.faults.take_before(route)
        if fault is not None and fault.kind == "stall" and host.stopping.wait(fault.seconds):
            self.close_connection = True
            return
        if fault is not None and fault.response is not None:
            self._send(fault.response)
            return
        try:
            result = host.app(self.command, self.path, headers, body)
        except Exception as error:  # a user's reply callable failed: say so instead of hanging up
            result = text_response(500, f"easyllm_shim.testing: the fake model failed: {error!r}")
        if isinstance(result, EventStream):
            self._send_stream(result, host.faults.take_stream(route))
        else:
            self._send(result)

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("transfer-encoding", "").lower():
            return b"".join(self._chunks())
        length = self.headers.get("content-length")
        if length is None:
            return b""
        if not length.strip().isdigit():
            raise _BadRequest("invalid content-length header")
        return self._read_exactly(int(length))

    def _chunks(self) -> Iterator[bytes]:
        while True:
            size_line = self.rfile.readline(_READ_SIZE).split(b";", 1)[0].strip()
            try:
                size = int(size_line, 16)
            except ValueError:
                raise _BadRequest("invalid chunk size") from None
            if size == 0:
                while self.rfile.readline(_READ_SIZE).strip():  # trailers
                    pass
                return
            yield self._read_exactly(size)
            self.rfile.readline(_READ_SIZE)

    def _read_exactly(self, size: int) -> bytes:
        parts, remaining = [], size
        while remaining > 0:
            part = self.rfile.read(min(remaining, _READ_SIZE))
            if not part:
                raise _BadRequest("request body ended early")
            parts.append(part)
            remaining -= len(part)
        return b"".join(parts)

    # -- answers -------------------------------------------------------------------------------------
    def _start(self, status: int, headers: tuple[tuple[str, str], ...]) -> None:
        self.send_response_only(status)
        self.send_header("date", self.date_time_string())
        for name, value in headers:
            self.send_header(name, value)

    def _send(self, response: Response) -> None:
        self._start(response.status, response.headers)
        self.send_header("content-length", str(len(response.body)))
        self.end_headers()
        if response.body and self.command != "HEAD":
            self.wfile.write(response.body)

    def _send_stream(self, stream: EventStream, fault: Fault | None) -> None:
        host = self.server.host
        stopping = host.stopping
        self._start(200, stream.headers)
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()
        events = stream.events
        # Faults land after N events, but never after the events that end the stream.
        last_body_event = len(events) - stream.ending
        for index in range(len(events) + 1):
            if fault is not None and index == min(fault.after_events, len(events)):
                if fault.kind == "stall_stream" and stopping.wait(fault.seconds):
                    self.close_connection = True
                    return
                if fault.kind == "malformed":
                    self._frame(_MALFORMED)
            if fault is not None and index == min(fault.after_events, last_body_event):
                if fault.kind == "cut":  # no final event and no chunked terminator
                    self.close_connection = True
                    return
                if fault.kind == "error":
                    for event in stream.error_events(fault.message, fault.error_type):
                        self._frame(event)
                    break
            if index == len(events):
                break
            if index > 0 and host.token_delay > 0 and stopping.wait(host.token_delay):
                self.close_connection = True
                return
            self._frame(events[index])
        self.wfile.write(b"0\r\n\r\n")

    def _frame(self, event: str | tuple[str, str]) -> None:
        separator = "data: " if self.server.host.sse_space else "data:"
        name, payload = ("", event) if isinstance(event, str) else event
        field = f"event: {name}\n" if name else ""
        frame = f"{field}{separator}{payload}\n\n".encode()
        self.wfile.write(b"%x\r\n%s\r\n" % (len(frame), frame))

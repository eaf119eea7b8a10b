"""LoopbackServer: what both stand-ins share, a daemon-thread HTTP server with a request log and a fault queue."""

from __future__ import annotations

import threading
from collections.abc import Callable
from types import TracebackType
from typing import Any, TypeVar

from ._faults import Fault, FaultQueue, fault_response
from ._http import App, Host, HttpServer
from ._wire import RecordedRequest

__all__ = ["LoopbackServer"]

_POLL_INTERVAL = 0.05
_Server = TypeVar("_Server", bound="LoopbackServer")


class LoopbackServer:
    """Starts and stops the HTTP layer, records what it receives and queues the faults it injects.

    A subclass builds its app and hands it over with ``_mount``. ``fault_routes`` says which routes
    a fault with ``path=None`` applies to (the server's generation routes); ``stream_error`` is the
    message and error type the real server reports when generation fails mid-stream.
    """

    def __init__(
        self, model_id: str, host: str, port: int, *, fault_routes: Callable[[str], bool], stream_error: tuple[str, str]
    ) -> None:
        self._model_id = model_id
        self._stream_error = stream_error
        self._faults = FaultQueue(fault_routes)
        self._stopping = threading.Event()
        self._host, self._port = host, port
        self._healthy = True
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []
        self._http: HttpServer | None = None
        self._thread: threading.Thread | None = None
        self._context: Host | None = None

    @property
    def model_id(self) -> str:
        return self._model_id

    def _mount(self, app: App, *, sse_space: bool = True, token_delay: float = 0.0) -> None:
        """Serve ``app``. Stream events go out as ``data: {...}`` (``data:{...}`` without ``sse_space``),
        ``token_delay`` seconds apart."""
        self._context = Host(app, self._faults, self._stopping, self._record, sse_space, token_delay)

    # -- lifecycle -----------------------------------------------------------------------------------
    def start(self: _Server) -> _Server:
        """Bind and serve on a daemon thread; a no-op when already running."""
        if self._http is not None:
            return self
        if self._context is None:
            raise RuntimeError(f"{type(self).__name__} has no app to serve")
        self._stopping.clear()
        self._http = HttpServer((self._host, self._port), self._context, ipv6=":" in self._host)
        self._thread = threading.Thread(
            target=self._http.serve_forever,
            kwargs={"poll_interval": _POLL_INTERVAL},
            name=type(self).__name__,
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Close the listening socket and every open connection; a no-op when not running."""
        http, thread = self._http, self._thread
        if http is None or thread is None:
            return
        self._stopping.set()
        http.close()
        thread.join()
        self._http = self._thread = None

    def __enter__(self: _Server) -> _Server:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        where = self.url if self._http is not None else "stopped"
        return f"{type(self).__name__}({self._model_id!r}, {where})"

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT`` (no trailing slash); only while running."""
        return self._address

    @property
    def _address(self) -> str:
        """``http://127.0.0.1:PORT`` (IPv6 hosts in brackets), or RuntimeError when not running."""
        if self._http is None:
            raise RuntimeError(f"{type(self).__name__} is not running; call start() or use it as a context manager")
        host, port = self._http.server_address[:2]
        name = host.decode() if isinstance(host, bytes) else host
        shown = f"[{name}]" if ":" in name else name
        return f"http://{shown}:{port}"

    # -- recording -----------------------------------------------------------------------------------
    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(request)

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received, in arrival order (a copy)."""
        with self._lock:
            return list(self._requests)

    def clear_requests(self) -> None:
        with self._lock:
            self._requests.clear()

    # -- faults --------------------------------------------------------------------------------------
    def fail_next(
        self,
        status: int,
        body: bytes | str | dict[str, Any] | list[Any] | None = None,
        *,
        headers: dict[str, str] | None = None,
        times: int = 1,
        path: str | None = None,
    ) -> None:
        """Answer the next ``times`` matching requests with ``status`` and ``body`` (dict/list as JSON,
        str as text/plain, None empty). ``path=None`` matches the server's generation routes."""
        response = fault_response(status, body, headers or {})
        self._faults.add(Fault("respond", path, times, response=response))

    def cut_next_stream(self, after_events: int = 1) -> None:
        """Drop the connection after ``after_events`` events: no ending events, no chunked terminator."""
        self._break_next_stream("cut", after_events)

    def malformed_next_stream(self, after_events: int = 1) -> None:
        """Send ``data: {not json`` after ``after_events`` events, then carry on."""
        self._break_next_stream("malformed", after_events)

    def error_next_stream(
        self, after_events: int = 1, message: str | None = None, error_type: str | None = None
    ) -> None:
        """Report an error inside the 200 stream after ``after_events`` events, then end the stream the way
        the real server does; ``message`` and ``error_type`` default to what it reports when generation fails."""
        default_message, default_type = self._stream_error
        message = default_message if message is None else message
        error_type = default_type if error_type is None else error_type
        self._break_next_stream("error", after_events, message=message, error_type=error_type)

    def stall_next(self, seconds: float, *, after_events: int | None = None) -> None:
        """Sleep ``seconds`` before answering the next request that a fault with ``path=None`` matches, or
        after ``after_events`` events of the next stream; ``stop()`` ends a stall at once."""
        if after_events is None:
            self._faults.add(Fault("stall", None, seconds=seconds))
        else:
            self._faults.add(Fault("stall_stream", None, seconds=seconds, after_events=after_events))

    def set_unhealthy(self, flag: bool = True) -> None:
        """The health route answers 503, with the real server's body, until ``set_unhealthy(False)``."""
        self._healthy = not flag

    def _break_next_stream(self, kind: str, after_events: int, **details: Any) -> None:
        self._faults.add(Fault(kind, None, after_events=after_events, **details))

"""LoopbackServer: what both stand-ins share, a daemon-thread HTTP server with a request log and a fault queue."""

from __future__ import annotations

import threading
from types import TracebackType
from typing import Any, TypeVar

from ._app import App
from ._faults import Fault, FaultQueue, fault_response
from ._http import Host, HttpServer
from ._settings import Settings
from ._wire import RecordedRequest

__all__ = ["LoopbackServer"]

_POLL_INTERVAL = 0.05
_Server = TypeVar("_Server", bound="LoopbackServer")


class LoopbackServer:
    """Starts and stops the HTTP layer, records what it receives and queues the faults it injects.

    A subclass builds its app and hands it over with ``_mount``; ``_fault`` is the ``Fault`` class
    whose ``matches`` says which routes a fault with ``path=None`` applies to.
    """

    _fault: type[Fault] = Fault
    _thread_name = "loopback-server"

    def __init__(self, model_id: str, host: str, port: int) -> None:
        self._model_id = model_id
        self._faults = FaultQueue()
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

    def _mount(self, settings: Settings, app: App) -> None:
        """Serve ``app``; the HTTP layer reads the SSE framing and pacing from ``settings``."""
        self._context = Host(settings, app, self._faults, self._stopping, self._record)

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
            name=self._thread_name,
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
        str as text/plain, None empty). ``path=None`` matches, on a ``TGIServer``, /, /generate,
        /generate_stream and /v1/chat/completions; on an ``OpenAICompatibleServer``, its three POST
        routes (whose ``error_body()`` makes vLLM's error bodies)."""
        response = fault_response(status, body, headers or {})
        self._faults.add(self._fault("respond", path, times, response=response))

    def _break_next_stream(self, kind: str, after_events: int, **details: Any) -> None:
        self._faults.add(self._fault(kind, None, after_events=after_events, **details))

    def malformed_next_stream(self, after_events: int = 1) -> None:
        """Send ``data: {not json`` after ``after_events`` events, then carry on."""
        self._break_next_stream("malformed", after_events)

    def _stall_next(self, seconds: float, after_events: int | None) -> None:
        if after_events is None:
            self._faults.add(self._fault("stall", None, seconds=seconds))
        else:
            self._faults.add(self._fault("stall_stream", None, seconds=seconds, after_events=after_events))

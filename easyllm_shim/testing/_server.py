"""TGIServer: a Text Generation Inference stand-in on loopback, with recording and fault injection."""

from __future__ import annotations

import threading
from types import TracebackType
from typing import Any

from ._app import App
from ._embeddings import EmbedRoutes
from ._faults import Fault, FaultQueue, fault_response
from ._http import Host, HttpServer
from ._infer import Infer
from ._messages_api import MessagesAPI
from ._model import Reply
from ._routes import NativeRoutes
from ._settings import Settings
from ._tokenizer import Tokenizer, vocabulary_for
from ._validation import Limits
from ._wire import RecordedRequest

__all__ = ["TGIServer"]

_POLL_INTERVAL = 0.05


class TGIServer:
    """A TGI-protocol server with a deterministic fake model, on a daemon thread.

    It validates, answers and fails like TGI (see docs/testing.md for where it cannot). Use it as a
    context manager, or ``start()``/``stop()``. ``reply`` is the text the model generates (TGI's
    leading space is added), a callable ``(prompt, parameters) -> str``, or None for deterministic
    filler derived from the prompt. The limits mirror the launcher's flags.
    """

    def __init__(
        self,
        model_id: str = "meta-llama/Llama-2-7b-chat-hf",
        *,
        reply: Reply = None,
        max_input_tokens: int = 4095,
        max_total_tokens: int = 4096,
        max_stop_sequences: int = 4,
        max_best_of: int = 2,
        max_top_n_tokens: int = 5,
        max_client_batch_size: int = 4,
        version: str = "3.3.6-dev0",
        sse_space: bool = True,
        api_key: str | None = None,
        grammar_support: bool = True,
        token_delay: float = 0.0,
        embedding_dimensions: int = 384,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        if max_input_tokens >= max_total_tokens:  # the launcher refuses to start otherwise
            raise ValueError("`max_input_tokens` must be < `max_total_tokens`")
        limits = Limits(
            max_best_of=max_best_of,
            max_stop_sequences=max_stop_sequences,
            max_top_n_tokens=max_top_n_tokens,
            max_input_tokens=max_input_tokens,
            max_total_tokens=max_total_tokens,
            grammar_support=grammar_support,
        )
        settings = Settings(
            model_id, version, limits, max_client_batch_size, api_key, sse_space, token_delay, embedding_dimensions
        )
        self._settings = settings
        self.reply: Reply = reply
        self._faults = FaultQueue()
        self._stopping = threading.Event()
        self._host, self._port = host, port
        self._healthy = True
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []
        self._http: HttpServer | None = None
        self._thread: threading.Thread | None = None
        tokenizer = Tokenizer(vocabulary_for(model_id))
        infer = Infer(limits, tokenizer, lambda: self.reply)
        routes = NativeRoutes(settings, infer)
        app = App(
            settings, routes, MessagesAPI(settings, infer), EmbedRoutes(settings, tokenizer), lambda: self._healthy
        )
        self._context = Host(settings, app, self._faults, self._stopping, self._record)

    # -- lifecycle -----------------------------------------------------------------------------------
    def start(self) -> TGIServer:
        """Bind and serve on a daemon thread; a no-op when already running."""
        if self._http is not None:
            return self
        self._stopping.clear()
        self._http = HttpServer((self._host, self._port), self._context, ipv6=":" in self._host)
        self._thread = threading.Thread(
            target=self._http.serve_forever, kwargs={"poll_interval": _POLL_INTERVAL}, name="tgi-server", daemon=True
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

    def __enter__(self) -> TGIServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        where = self.url if self._http is not None else "stopped"
        return f"TGIServer({self._settings.model_id!r}, {where})"

    @property
    def model_id(self) -> str:
        return self._settings.model_id

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT`` (no trailing slash); only while running."""
        if self._http is None:
            raise RuntimeError("TGIServer is not running; call start() or use it as a context manager")
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
        str as text/plain). ``path=None`` matches /, /generate, /generate_stream and /v1/chat/completions."""
        response = fault_response(status, body, headers or {})
        self._faults.add(Fault("respond", path, times, response=response))

    def loading_next(self, estimated_time: float = 1.0, *, times: int = 1) -> None:
        """The serverless API's 503 while the model loads (no ``error_type``)."""
        body = {"error": f"Model {self.model_id} is currently loading", "estimated_time": estimated_time}
        self._faults.add(Fault("respond", None, times, response=fault_response(503, body, {})))

    def cut_next_stream(self, after_events: int = 1) -> None:
        """Drop the connection after ``after_events`` events: no final event, no chunked terminator."""
        self._faults.add(Fault("cut", None, after_events=after_events))

    def malformed_next_stream(self, after_events: int = 1) -> None:
        """Send ``data: {not json`` after ``after_events`` events, then carry on."""
        self._faults.add(Fault("malformed", None, after_events=after_events))

    def error_next_stream(
        self,
        after_events: int = 1,
        message: str = "Request failed during generation: CUDA out of memory",
        error_type: str = "generation",
    ) -> None:
        """Report a generation error inside the 200 stream after ``after_events`` events, then end it
        (chat streams get the OpenAI-style error event and ``[DONE]``)."""
        self._faults.add(Fault("error", None, after_events=after_events, message=message, error_type=error_type))

    def stall_next(self, seconds: float, *, after_events: int | None = None) -> None:
        """Sleep ``seconds`` before answering the next generation request, or after ``after_events``
        events of the next stream."""
        if after_events is None:
            self._faults.add(Fault("stall", None, seconds=seconds))
        else:
            self._faults.add(Fault("stall_stream", None, seconds=seconds, after_events=after_events))

    def set_unhealthy(self, flag: bool = True) -> None:
        """GET /health (and GET /) answer 503 ``{"error":"unhealthy","error_type":"healthcheck"}``."""
        self._healthy = not flag

"""OpenAICompatibleServer: a stand-in for vLLM's OpenAI-compatible server, on loopback, with recording and faults."""

from __future__ import annotations

from collections.abc import Sequence
from http import HTTPStatus
from typing import Any, cast

from ._app import App
from ._faults import Fault
from ._loopback import LoopbackServer
from ._model import Reply
from ._openai_app import OPENAI_ROUTES, OpenAIApp
from ._openai_chat import ChatRoute
from ._openai_completions import CompletionsRoute
from ._openai_embeddings import EmbeddingsRoute
from ._openai_engine import Engine
from ._openai_settings import VLLM_VERSION, OpenAISettings
from ._settings import Settings
from ._tokenizer import Tokenizer, vocabulary_for
from ._validation import Limits

__all__ = ["OpenAICompatibleServer"]

# The ErrorResponse type vLLM writes for a status (create_error_response and its handlers).
_ERROR_TYPES = {
    400: "BadRequestError",
    404: "NotFoundError",
    422: "UnprocessableEntityError",
    500: "InternalServerError",
    501: "NotImplementedError",
    503: "ServiceUnavailableError",
}


class _RouteFault(Fault):
    """``path=None`` means the three POST routes here, not TGI's generation routes."""

    def matches(self, path: str) -> bool:
        return path in OPENAI_ROUTES if self.path is None else path == self.path


def _names(value: str | Sequence[str] | None, default: str) -> tuple[str, ...]:
    if value is None:
        return (default,)
    names = (value,) if isinstance(value, str) else tuple(value)
    if not names:
        raise ValueError("served_model_name needs at least one name")
    return names


class OpenAICompatibleServer(LoopbackServer):
    """vLLM's OpenAI-compatible server (``vllm serve``) with a deterministic fake model, on a daemon thread.

    It answers and refuses like vLLM 0.33 (see docs/testing.md for where it cannot). Use it as a
    context manager, or ``start()``/``stop()``; point an OpenAI client at ``url`` (which ends in
    ``/v1``). ``reply`` is what the model generates: a str, a callable ``(prompt, request_body) ->
    str``, or None for filler derived from the prompt (and the seed when sampling). The other
    arguments mirror ``--served-model-name``, ``--max-model-len`` and ``--api-key`` (one key or several).
    """

    _fault = _RouteFault
    _thread_name = "openai-server"

    def __init__(
        self,
        model_id: str = "meta-llama/Llama-2-7b-chat-hf",
        *,
        reply: Reply = None,
        served_model_name: str | Sequence[str] | None = None,
        max_model_len: int = 4096,
        api_key: str | Sequence[str] | None = None,
        embedding_dimensions: int = 384,
        token_delay: float = 0.0,
        version: str = VLLM_VERSION,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        if max_model_len < 1 or embedding_dimensions < 1:
            raise ValueError("max_model_len and embedding_dimensions must be positive")
        # vLLM ignores empty keys (an empty --api-key, or VLLM_API_KEY set to "").
        given = () if api_key is None else (api_key,) if isinstance(api_key, str) else tuple(api_key)
        keys = tuple(key for key in given if key)
        settings = OpenAISettings(
            model_id, _names(served_model_name, model_id), max_model_len, keys, version, embedding_dimensions
        )
        super().__init__(model_id, host, port)
        self._settings = settings
        self.reply: Reply = reply
        tokenizer = Tokenizer(vocabulary_for(model_id))
        engine = Engine(tokenizer, lambda: self.reply)
        post = {
            "/v1/chat/completions": ChatRoute(settings, engine).create,
            "/v1/completions": CompletionsRoute(settings, engine).create,
            "/v1/embeddings": EmbeddingsRoute(settings, tokenizer).create,
        }
        app = OpenAIApp(settings, post, lambda: self._healthy)
        # The HTTP layer reads only the SSE framing and pacing from its settings, and calls only
        # `handle` on its app, whose signature OpenAIApp shares.
        limits = Limits(1, 0, 0, max_model_len - 1, max_model_len, False)
        framing = Settings(model_id, version, limits, 1, None, True, token_delay, embedding_dimensions)
        self._mount(framing, cast(App, app))

    @property
    def model(self) -> str:
        """The name to send as ``model``, and the one answers carry: the first served name."""
        return self._settings.model_name

    @property
    def root_url(self) -> str:
        """``http://127.0.0.1:PORT`` (no trailing slash), where ``/health`` is; only while running."""
        return self._address

    @property
    def url(self) -> str:
        """The OpenAI base URL, ``http://127.0.0.1:PORT/v1``; only while running."""
        return f"{self.root_url}/v1"

    # -- faults --------------------------------------------------------------------------------------
    @staticmethod
    def error_body(status: int, message: str | None = None, err_type: str | None = None) -> dict[str, Any]:
        """vLLM's ErrorResponse body for ``status`` (message and type default to vLLM's for that status)."""
        phrase = HTTPStatus(status).phrase
        kind = err_type or _ERROR_TYPES.get(status, phrase)
        text = message if message is not None else ("Internal server error" if status == 500 else phrase)
        return {"error": {"message": text, "type": kind, "param": None, "code": status}}

    def cut_next_stream(self, after_events: int = 1) -> None:
        """Drop the connection after ``after_events`` events: no finishing chunk, no ``[DONE]``, no chunked end."""
        self._break_next_stream("cut", after_events)

    def error_next_stream(
        self,
        after_events: int = 1,
        message: str = "Internal server error",
        error_type: str = "InternalServerError",
    ) -> None:
        """Report an error inside the 200 stream after ``after_events`` events, as vLLM does when generation
        fails: ``data: {"error": {...}}`` then ``data: [DONE]``."""
        self._break_next_stream("error", after_events, message=message, error_type=error_type)

    def stall_next(self, seconds: float, *, after_events: int | None = None) -> None:
        """Sleep ``seconds`` before answering the next request to a POST route, or after ``after_events``
        events of the next stream (``stop()`` ends a stall at once)."""
        self._stall_next(seconds, after_events)

    def set_unhealthy(self, flag: bool = True) -> None:
        """GET /health answers 503 with an empty body (vLLM's dead engine) until ``set_unhealthy(False)``."""
        self._healthy = not flag

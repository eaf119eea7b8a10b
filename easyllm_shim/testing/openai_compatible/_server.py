"""OpenAICompatibleServer: a stand-in for vLLM's OpenAI-compatible server, on loopback, with recording and faults."""

from __future__ import annotations

from collections.abc import Sequence
from http import HTTPStatus
from typing import Any

from ..fake_model import Reply, Tokenizer, vocabulary_for
from ..loopback import LoopbackServer
from ._app import OPENAI_ROUTES, OpenAIApp
from ._chat import ChatRoute
from ._completions import CompletionsRoute
from ._embeddings import EmbeddingsRoute
from ._engine import Engine
from ._responses import ResponsesRoute
from ._settings import VLLM_VERSION, OpenAISettings

__all__ = ["OpenAICompatibleServer"]

# What vLLM streams when generation fails with an internal error.
_STREAM_ERROR = ("Internal server error", "InternalServerError")
# The ErrorResponse type vLLM writes for a status (create_error_response and its handlers).
_ERROR_TYPES = {
    400: "BadRequestError",
    404: "NotFoundError",
    422: "UnprocessableEntityError",
    500: "InternalServerError",
    501: "NotImplementedError",
    503: "ServiceUnavailableError",
}


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
        super().__init__(model_id, host, port, fault_routes=OPENAI_ROUTES.__contains__, stream_error=_STREAM_ERROR)
        self._settings = settings
        self.reply: Reply = reply
        engine = Engine(Tokenizer(vocabulary_for(model_id)), lambda: self.reply)
        post = {
            "/v1/chat/completions": ChatRoute(settings, engine).create,
            "/v1/completions": CompletionsRoute(settings, engine).create,
            "/v1/embeddings": EmbeddingsRoute(settings, engine).create,
            "/v1/responses": ResponsesRoute(settings, engine).create,
        }
        app = OpenAIApp(settings, post, lambda: self._healthy)
        self._mount(app.handle, token_delay=token_delay)

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

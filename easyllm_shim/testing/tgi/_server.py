"""TGIServer: a Text Generation Inference stand-in on loopback, with recording and fault injection."""

from __future__ import annotations

from ..fake_model import Reply, Tokenizer, vocabulary_for
from ..loopback import LoopbackServer
from ._app import App
from ._embeddings import EmbedRoutes
from ._infer import Infer
from ._messages_api import MessagesAPI
from ._routes import NativeRoutes
from ._settings import Settings
from ._validation import Limits

__all__ = ["TGIServer"]

# A generation error as TGI streams one (here the words of a CUDA out-of-memory failure).
_STREAM_ERROR = ("Request failed during generation: CUDA out of memory", "generation")

_GENERATION_ROUTES = frozenset({"/", "/generate", "/generate_stream", "/v1/chat/completions"})


def _is_generation_route(path: str) -> bool:
    """Where faults with ``path=None`` land: the routes that generate, the serverless API's included."""
    return path in _GENERATION_ROUTES or path.startswith("/models/")


class TGIServer(LoopbackServer):
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
        settings = Settings(model_id, version, limits, max_client_batch_size, api_key, embedding_dimensions)
        super().__init__(model_id, host, port, fault_routes=_is_generation_route, stream_error=_STREAM_ERROR)
        self._settings = settings
        self.reply: Reply = reply
        tokenizer = Tokenizer(vocabulary_for(model_id))
        infer = Infer(limits, tokenizer, lambda: self.reply)
        routes = NativeRoutes(settings, infer)
        app = App(
            settings, routes, MessagesAPI(settings, infer), EmbedRoutes(settings, tokenizer), lambda: self._healthy
        )
        self._mount(app.handle, sse_space=sse_space, token_delay=token_delay)

    # -- faults --------------------------------------------------------------------------------------
    def loading_next(self, estimated_time: float = 1.0, *, times: int = 1) -> None:
        """The serverless API's 503 while the model loads (no ``error_type``)."""
        body = {"error": f"Model {self.model_id} is currently loading", "estimated_time": estimated_time}
        self.fail_next(503, body, times=times)

"""EasyLLM's `huggingface` client, kept alive on the shim's routing; results are genuine openai objects.

Module-level settings are read at call time, as in EasyLLM, so `huggingface.api_key = "hf_..."`
after import takes effect on the next call.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import logging
import os
import threading
import weakref
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from .._config.credentials import Credentials, env_token
from .._config.hub import SERVERLESS_API_BASE as _DEFAULT_API_BASE
from .._config.redact import prompt_log
from .._config.settings import Config, check_url
from .._upstream.endpoint import SERVER_MODEL

if TYPE_CHECKING:
    from .._client_api.shadow import Shadows

__all__ = [
    "ChatCompletion",
    "Completion",
    "Embedding",
    "aclose",
    "api_base",
    "api_key",
    "prompt_builder",
    "stop_sequences",
]

api_type = "huggingface"
api_key: str | None = env_token(os.environ)
api_base: str = os.environ.get("HUGGINGFACE_API_BASE", _DEFAULT_API_BASE)
api_version: str = os.environ.get("HUGGINGFACE_API_VERSION", "2023-07-29")
prompt_builder: str | Callable[..., str] | None = os.environ.get("HUGGINGFACE_PROMPT") or None
stop_sequences: list[str] = []

log = logging.getLogger("easyllm_shim")
P = ParamSpec("P")
F = TypeVar("F", bound=Callable[..., Any])
_lock = threading.Lock()
_current: tuple[tuple[Any, ...], Shadows] | None = None
# The connection pools this module's calls use: one sync, one per event loop for `acreate`.
_sync_pool: Any = None
_async_pools: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Any] = weakref.WeakKeyDictionary()


def _shadows() -> Shadows:
    """Shadow clients for the current module settings, rebuilt only when a setting changed."""
    global _current
    key = (api_key, api_base, prompt_builder)
    current = _current
    if current is not None and current[0] == key:
        return current[1]
    from .._client_api.shadow import Shadows
    from .._upstream.upstream import Upstream

    with _lock:
        config = Config(
            # Only this module's settings: EASYLLM_* variables configure patch(), not this client.
            api_base=check_url("huggingface.api_base", api_base),
            credentials=Credentials(api_key),
            prompt_format=prompt_builder,
        )
        shadows = Shadows(Upstream(config))
        _current = (key, shadows)
    return shadows


class _Caller:
    """Stands in for the openai client a patched call would come from: it owns the connection pool."""

    def __init__(self, pool: Any) -> None:
        self._client = pool


def _sync_shadow() -> Any:
    global _sync_pool
    from .._client_api.http import sdk_default

    if _sync_pool is None:
        with _lock:
            if _sync_pool is None:
                _sync_pool = _Caller(sdk_default().Client())
    return _shadows().for_client(_sync_pool)


def _async_shadow() -> Any:
    from .._client_api.http import sdk_default

    loop = asyncio.get_running_loop()
    caller = _async_pools.get(loop)
    if caller is None:
        caller = _async_pools[loop] = _Caller(sdk_default().AsyncClient())
    return _shadows().for_client(caller)


async def aclose() -> None:
    """Close the connections `acreate` opened in the running event loop."""
    caller = _async_pools.pop(asyncio.get_running_loop(), None)
    if caller is not None:
        await caller._client.aclose()


@contextmanager
def _debugging(enabled: bool) -> Iterator[None]:
    # EasyLLM's `debug=True` left its logger at DEBUG for good; here it lasts one call.
    if not enabled:
        yield
        return
    previous, previous_prompts = log.level, prompt_log.level
    handler = logging.StreamHandler() if not log.handlers else None
    log.setLevel(logging.DEBUG)
    prompt_log.setLevel(logging.DEBUG)  # asked for: EasyLLM's debug output showed the prompt
    if handler is not None:
        log.addHandler(handler)
    try:
        yield
    finally:
        log.setLevel(previous)
        prompt_log.setLevel(previous_prompts)
        if handler is not None:
            log.removeHandler(handler)


def _as_dict(message: Any) -> Any:
    if isinstance(message, dict):
        return message
    return {"role": message.role, "content": message.content}  # EasyLLM's ChatMessage objects


def _sampling(
    temperature: float, top_p: float, top_k: int | None, max_tokens: int, frequency_penalty: float | None
) -> dict[str, Any]:
    """The sampling arguments EasyLLM's chat and text completions share, as the SDK's keyword arguments."""
    penalty = 1.0 if frequency_penalty is None else frequency_penalty
    if penalty < 0:
        raise ValueError(f"frequency_penalty must be >= 0 (it is TGI's repetition_penalty), got {penalty}")
    extra: dict[str, Any] = {}
    if top_k is not None:
        extra["top_k"] = top_k
    # EasyLLM sent frequency_penalty as TGI's repetition_penalty (1.0 = no penalty); 0 crashed there.
    if penalty not in (0, 1):
        extra["repetition_penalty"] = penalty
    return {"temperature": temperature, "top_p": top_p, "max_tokens": max_tokens, "extra_body": extra or None}


def _stops(stop: str | Sequence[str] | None) -> list[str] | None:
    stops = [stop] if isinstance(stop, str) else list(stop or [])
    return [*stop_sequences, *stops] or None


def _chat_request(
    messages: Sequence[Any],
    model: str | None = None,
    temperature: float = 0.9,
    top_p: float = 0.6,
    top_k: int | None = 10,
    n: int = 1,
    max_tokens: int = 1024,
    stop: str | Sequence[str] | None = None,
    stream: bool = False,
    frequency_penalty: float = 1.0,
    debug: bool = False,
) -> tuple[dict[str, Any], bool]:
    """EasyLLM's `ChatCompletion.create` parameters and defaults, as the openai SDK's `create` keyword
    arguments, and whether to log the call's prompt."""
    request = {
        "model": model or SERVER_MODEL,
        "messages": [_as_dict(message) for message in messages],
        "n": n,
        "stop": _stops(stop),
        "stream": stream,
        **_sampling(temperature, top_p, top_k, max_tokens, frequency_penalty),
    }
    return request, debug


def _completion_request(
    prompt: str,
    model: str | None = None,
    suffix: str | None = None,
    temperature: float = 0.9,
    top_p: float = 0.6,
    top_k: int | None = 10,
    n: int = 1,
    max_tokens: int = 1024,
    stop: str | Sequence[str] | None = None,
    stream: bool = False,
    frequency_penalty: float | None = 1.0,
    logprobs: bool = False,
    echo: bool = False,
    debug: bool = False,
) -> tuple[dict[str, Any], bool]:
    """EasyLLM's `Completion.create` parameters and defaults, as the openai SDK's `create` keyword arguments."""
    text = prompt if suffix is None else prompt + suffix  # EasyLLM appended the suffix to the prompt
    if prompt_builder is not None:  # as in EasyLLM, the prompt becomes the one user turn of the format
        from .._prompts import resolve_format

        text = resolve_format(model, prompt_builder).prompt(text)
    request = {
        "model": model or SERVER_MODEL,
        "prompt": text,
        "n": n,
        "stop": _stops(stop),
        "stream": stream,
        "logprobs": 1 if logprobs else None,
        "echo": echo or None,
        **_sampling(temperature, top_p, top_k, max_tokens, frequency_penalty),
    }
    return request, debug


def _embedding_request(
    input: str | Sequence[str], model: str | None = None, debug: bool = False
) -> tuple[dict[str, Any], bool]:
    """EasyLLM's `Embedding.create` parameters, as the openai SDK's `create` keyword arguments."""
    # Floats, as EasyLLM returned them (the SDK would otherwise ask for base64 and decode it).
    return {"model": model or SERVER_MODEL, "input": input, "encoding_format": "float"}, debug


# The SDK resource of each EasyLLM class, and the openai models its answers are parsed into.
_CHAT, _COMPLETIONS, _EMBEDDINGS = "chat", "completions", "embeddings"


def _resource(shadow: Any, route: str) -> Any:
    return shadow.chat.completions if route == _CHAT else getattr(shadow, route)


@functools.cache
def _parsed_as(route: str, stream: bool, asynchronous: bool) -> Any:
    """The type an answer is parsed into: the dict-readable subclass of the SDK's model, or a stream of them."""
    import openai
    from openai.types import Completion, CreateEmbeddingResponse
    from openai.types.chat import ChatCompletion, ChatCompletionChunk

    from ._readable import readable

    model = {_CHAT: ChatCompletion, _COMPLETIONS: Completion, _EMBEDDINGS: CreateEmbeddingResponse}[route]
    if not stream:
        return readable(model)
    chunk = readable(ChatCompletionChunk if route == _CHAT else model)
    return (openai.AsyncStream if asynchronous else openai.Stream)[chunk]


def _sync(request: Callable[P, tuple[dict[str, Any], bool]], route: str) -> Callable[P, Any]:
    """A `create` with `request`'s parameters, on the sync shadow client."""

    def create(*args: P.args, **kwargs: P.kwargs) -> Any:
        sdk_kwargs, debug = request(*args, **kwargs)
        with _debugging(debug):
            raw = _resource(_sync_shadow(), route).with_raw_response.create(**sdk_kwargs)
        return raw.parse(to=_parsed_as(route, bool(sdk_kwargs.get("stream")), False))

    return _with_parameters_of(request, create)


def _async(request: Callable[P, tuple[dict[str, Any], bool]], route: str) -> Callable[P, Awaitable[Any]]:
    """An `acreate` with `request`'s parameters (EasyLLM's raised NotImplementedError), on the async shadow client."""

    async def acreate(*args: P.args, **kwargs: P.kwargs) -> Any:
        sdk_kwargs, debug = request(*args, **kwargs)
        with _debugging(debug):
            raw = await _resource(_async_shadow(), route).with_raw_response.create(**sdk_kwargs)
        return raw.parse(to=_parsed_as(route, bool(sdk_kwargs.get("stream")), True))

    return _with_parameters_of(request, acreate)


def _with_parameters_of(request: Callable[..., Any], call: F) -> F:
    """`call` as `help()` and IDEs show it: `request`'s parameters, returning an openai object."""
    setattr(call, "__signature__", inspect.signature(request).replace(return_annotation="Any"))  # noqa: B010
    return call


class ChatCompletion:
    """`huggingface.ChatCompletion.create(...)`: EasyLLM's signature and defaults.

    `create` returns an `openai.types.chat.ChatCompletion`, or an `openai.Stream` of
    `ChatCompletionChunk` with `stream=True`; `acreate` the same, awaited (`openai.AsyncStream`).
    Both also read like EasyLLM's dicts: `response["choices"][0]["message"]["content"]`.
    """

    create = staticmethod(_sync(_chat_request, _CHAT))
    acreate = staticmethod(_async(_chat_request, _CHAT))


class Completion:
    """`huggingface.Completion.create(prompt, ...)`: EasyLLM's signature and defaults.

    Returns an `openai.types.Completion` (a `Stream` of them with `stream=True`), readable like
    EasyLLM's dicts: `response["choices"][0]["text"]`. With `prompt_builder` set, the prompt is sent
    as the one user turn of that format, as EasyLLM did.
    """

    create = staticmethod(_sync(_completion_request, _COMPLETIONS))
    acreate = staticmethod(_async(_completion_request, _COMPLETIONS))


class Embedding:
    """`huggingface.Embedding.create(input, model=None)`: returns an `openai.types.CreateEmbeddingResponse`
    of floats, readable like EasyLLM's dicts: `embedding["data"][0]["embedding"]`."""

    create = staticmethod(_sync(_embedding_request, _EMBEDDINGS))
    acreate = staticmethod(_async(_embedding_request, _EMBEDDINGS))

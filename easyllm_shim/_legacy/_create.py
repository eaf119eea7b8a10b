"""The wrappers of openai 0.28's `create` and `acreate` on `ChatCompletion`, `Completion` and `Embedding`.

A Hugging Face model's call goes to TGI (TEI for embeddings) and comes back as 0.28's own objects:
an `OpenAIObject`, or for `stream=True` a generator (async generator for `acreate`) of chunk
objects. Any other model's call is the original, untouched.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

from . import _io
from ._call import LegacyCall
from ._chunks import ChunkStream
from ._openai0 import sdk

if TYPE_CHECKING:
    from .._backend import Backend
    from .._router import Router
    from .._targets import Wrapper

T = TypeVar("T")


def _routed_call(router: Router, path: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> LegacyCall | None:
    model = kwargs.get("model")
    if not isinstance(model, str) or not router.config.route(model):
        return None
    return LegacyCall.from_arguments(path, args, kwargs)


def routed_create(path: str) -> Callable[[Router], Wrapper]:
    """The wrapper of a 0.28 resource's `create`, whose requests go to OpenAI's `path`."""

    def wrapper(router: Router) -> Wrapper:
        def create(wrapped: Callable[..., Any], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
            call = _routed_call(router, path, args, kwargs)
            if call is None:
                return wrapped(*args, **kwargs)
            return _retrying(call, lambda: _create(router.backend, call))

        return create

    return wrapper


def routed_acreate(path: str) -> Callable[[Router], Wrapper]:
    def wrapper(router: Router) -> Wrapper:
        def acreate(wrapped: Callable[..., Any], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
            call = _routed_call(router, path, args, kwargs)
            if call is None:
                return wrapped(*args, **kwargs)
            return _aretrying(call, lambda: _acreate(router.backend, call))

        return acreate

    return wrapper


# The resources' own TryAgain loop, which the wrappers replace along with the rest of `create`.
def _retrying(call: LegacyCall, attempt: Callable[[], T]) -> T:
    started = time.time()
    while True:
        try:
            return attempt()
        except sdk().error.TryAgain as error:
            call.keep_trying(started, error)


async def _aretrying(call: LegacyCall, attempt: Callable[[], Awaitable[T]]) -> T:
    started = time.time()
    while True:
        try:
            return await attempt()
        except sdk().error.TryAgain as error:
            call.keep_trying(started, error)


def _create(backend: Backend, call: LegacyCall) -> Any:
    exchange = call.open(backend)
    if exchange.stream:
        [upstream] = call.calls(exchange)
        chunks = _io.stream(upstream, ChunkStream(exchange, call.shaper), call.request_timeout)
        return _primed(chunks)
    return call.completion(exchange, _io.send(call.calls(exchange), call.request_timeout))


async def _acreate(backend: Backend, call: LegacyCall) -> Any:
    exchange = call.open(backend)
    if exchange.stream:
        [upstream] = call.calls(exchange)
        chunks = _io.astream(upstream, ChunkStream(exchange, call.shaper), call.request_timeout)
        return await _aprimed(chunks)
    return call.completion(exchange, await _io.asend(call.calls(exchange), call.request_timeout))


# A primed stream has read up to TGI's first event, so a failure there raises at `create()`, as
# 0.28 raises OpenAI's HTTP errors. Being started, it also closes its connection when dropped.
def _primed(chunks: Iterator[Any]) -> Iterator[Any]:
    next(chunks)
    return chunks


async def _aprimed(chunks: AsyncIterator[Any]) -> AsyncIterator[Any]:
    await anext(chunks)
    return chunks

"""The wrappers of openai 0.28's `create` and `acreate` on `ChatCompletion`, `Completion` and `Embedding`.

A Hugging Face model's call goes to TGI (TEI for embeddings) and comes back as 0.28's own objects:
an `OpenAIObject`, or for `stream=True` a generator (async generator for `acreate`) of chunk
objects. Any other model's call is the original, untouched.
"""

from __future__ import annotations

import functools
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

from .._call import flow, run_async, run_sync
from .._observe import record_for
from . import _io
from ._call import LegacyCall
from ._chunks import ChunkStream
from ._openai0 import backend_failed, sdk

if TYPE_CHECKING:
    from .._backend import Backend
    from .._router import Router
    from .._targets import Wrapper

T = TypeVar("T")


def routed(path: str, *, asynchronous: bool) -> Callable[[Router], Wrapper]:
    """The wrapper of a 0.28 resource's `create` (or `acreate`), whose requests go to OpenAI's `path`.

    As on openai >= 1 (`_router.Router.request`): a model that routes goes to TGI, a model that
    the rules name (model map, experiment, fallback) is decided on, any other passes through.
    """

    def wrapper(router: Router) -> Wrapper:
        def create(wrapped: Callable[..., Any], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
            model = kwargs.get("model")
            if not isinstance(model, str):
                return wrapped(*args, **kwargs)
            config = router.config
            rule = config.rules.get(model)
            if rule is None and not config.route(model):
                return wrapped(*args, **kwargs)
            send = functools.partial(_send, router, path, asynchronous, wrapped, args, kwargs)
            if rule is None:
                return send(model)
            decision = rule.decide(kwargs)
            record = record_for(config, decision, kwargs.get("api_key") or sdk().api_key)
            steps = flow(send, decision, record, failed=backend_failed)
            return run_async(steps) if asynchronous else run_sync(steps)

        return create

    return wrapper


def _send(
    router: Router,
    path: str,
    asynchronous: bool,
    wrapped: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    model: str,
) -> Any:
    """The call on `model`: to TGI if it routes, else 0.28's own, untouched path with that model."""
    if model != kwargs["model"]:
        kwargs = {**kwargs, "model": model}
    if not router.config.route(model):
        return wrapped(*args, **kwargs)
    call = LegacyCall.from_arguments(path, args, kwargs)
    backend = router.backend
    if asynchronous:
        return _aretrying(call, lambda: _acreate(backend, call))
    return _retrying(call, lambda: _create(backend, call))


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
    exchange, calls = call.open(backend)
    if exchange.stream:
        [upstream] = calls
        chunks = _io.stream(upstream, ChunkStream(exchange, call.shaper), call.request_timeout)
        return _primed(chunks)
    return call.completion(exchange, _io.send(calls, call.request_timeout))


async def _acreate(backend: Backend, call: LegacyCall) -> Any:
    exchange, calls = call.open(backend)
    if exchange.stream:
        [upstream] = calls
        chunks = _io.astream(upstream, ChunkStream(exchange, call.shaper), call.request_timeout)
        return await _aprimed(chunks)
    return call.completion(exchange, await _io.asend(calls, call.request_timeout))


# A primed stream has read up to TGI's first event, so a failure there raises at `create()`, as
# 0.28 raises OpenAI's HTTP errors. Being started, it also closes its connection when dropped.
def _primed(chunks: Iterator[Any]) -> Iterator[Any]:
    next(chunks)
    return chunks


async def _aprimed(chunks: AsyncIterator[Any]) -> AsyncIterator[Any]:
    await anext(chunks)
    return chunks

"""The wrappers of openai 0.28's `create` and `acreate` on `ChatCompletion`, `Completion` and `Embedding`.

A Hugging Face model's call goes to its server and comes back as 0.28's own objects: an
`OpenAIObject`, or for `stream=True` a generator (async generator for `acreate`) of chunk objects.
Any other model's call is the original, untouched. The decision is `Router.dispatch`, as on openai >= 1.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from .._routing.router import Call, Router
from .arguments import POSITIONAL, Arguments
from .objects import sdk, server_failed

T = TypeVar("T")
Wrapper = Callable[[Callable[..., Any], Any, tuple[Any, ...], dict[str, Any]], Any]

# Each resource with the OpenAI path its requests take.
_RESOURCES = (("ChatCompletion", "/chat/completions"), ("Completion", "/completions"), ("Embedding", "/embeddings"))


def patch_points(router: Router) -> list[tuple[str, str, Wrapper]]:
    """(module, attribute, wrapper) for each method `patch()` wraps."""
    return [
        ("openai", f"{resource}.{method}", CreateWrapper(router, path, asynchronous=method == "acreate"))
        for resource, path in _RESOURCES
        for method in ("create", "acreate")
    ]


class CreateWrapper:
    """The wrapper of one resource's `create` (or `acreate`), whose requests go to OpenAI's `path`."""

    def __init__(self, router: Router, path: str, *, asynchronous: bool) -> None:
        self.router: Router | None = router  # None once unpatched
        self.path = path
        self.asynchronous = asynchronous

    def __call__(
        self, wrapped: Callable[..., Any], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        model = kwargs.get("model")
        router = self.router
        if router is None or not isinstance(model, str) or not router.touches(model, lambda: _base_url(args, kwargs)):
            return wrapped(*args, **kwargs)
        return router.dispatch(model, kwargs, _Call(wrapped, args, kwargs, self, router))


class _Call(Call):
    """One intercepted `create(*args, **kwargs)` call."""

    __slots__ = ("_router", "_wrapper")

    def __init__(
        self,
        wrapped: Callable[..., Any],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        wrapper: CreateWrapper,
        router: Router,
    ) -> None:
        super().__init__(wrapped, args, kwargs, asynchronous=wrapper.asynchronous)
        self._wrapper = wrapper
        self._router = router

    def routed(self, model: str) -> Any:
        from . import driver  # the translation stack, on the first routed call

        arguments = Arguments.of(self._wrapper.path, self.args, {**self.kwargs, "model": model})
        upstream = self._router.upstream
        if self.asynchronous:
            return _aretrying(arguments, lambda: driver.acreate(upstream, arguments))
        return _retrying(arguments, lambda: driver.create(upstream, arguments))

    def passed(self, model: str) -> Any:
        return self.wrapped(*self.args, **{**self.kwargs, "model": model})

    def failed(self, error: Exception) -> bool:
        return server_failed(error)

    def openai_key(self) -> str | None:
        key = self.kwargs.get("api_key") or sdk().api_key
        return key if isinstance(key, str) else None


def _base_url(args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    """Where 0.28 would send the call: its `api_base` (Azure's endpoints are never OpenAI's default)."""
    named = {**dict(zip(POSITIONAL, args, strict=False)), **kwargs}
    openai = sdk()
    if str(named.get("api_type") or openai.api_type).lower() in ("azure", "azure_ad", "azuread"):
        return "azure"
    return str(named.get("api_base") or openai.api_base)


# The resources' own TryAgain loop, which the wrappers replace along with the rest of `create`.
def _retrying(arguments: Arguments, attempt: Callable[[], T]) -> T:
    started = time.time()
    while True:
        try:
            return attempt()
        except sdk().error.TryAgain as error:
            arguments.keep_trying(started, error)


async def _aretrying(arguments: Arguments, attempt: Callable[[], Awaitable[T]]) -> T:
    started = time.time()
    while True:
        try:
            return await attempt()
        except sdk().error.TryAgain as error:
            arguments.keep_trying(started, error)

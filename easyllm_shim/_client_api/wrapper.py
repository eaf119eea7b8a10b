"""The wrapper of `SyncAPIClient.request` and `AsyncAPIClient.request`: openai >= 1's patch points.

Every entry point of the client API (create, raw and streaming responses, parse, stream, the
module-level client, sync and async) reaches the network through these two methods; the SDK's
retries loop below them, so each call passes here once. See docs/design.md.
"""

from __future__ import annotations

import types
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from openai import APIConnectionError, APIStatusError, NotGiven
from openai._base_client import AsyncAPIClient
from openai._compat import model_copy

from .._routing.router import Call, Router
from .._upstream.endpoint import PATHS

if TYPE_CHECKING:
    from .._upstream.upstream import Upstream
    from .shadow import Shadows

Wrapper = Callable[[Callable[..., Any], Any, tuple[Any, ...], dict[str, Any]], Any]


def patch_points(router: Router) -> list[tuple[str, str, Wrapper]]:
    """(module, attribute, wrapper) for each method `patch()` wraps."""
    wrapper = RequestWrapper(router)
    return [
        ("openai._base_client", "SyncAPIClient.request", wrapper),
        ("openai._base_client", "AsyncAPIClient.request", wrapper),
    ]


def server_failed(error: Exception) -> bool:
    """What the SDK retries (connection errors, timeouts, 429, 5xx), once its own retries are spent.

    Other errors are the request's own fault and would fail on any model.
    """
    if isinstance(error, APIConnectionError):  # APITimeoutError included
        return True
    return isinstance(error, APIStatusError) and (error.status_code == 429 or error.status_code >= 500)


class RequestWrapper:
    """The wrapper of both `request` methods (the async one returns a coroutine)."""

    def __init__(self, router: Router) -> None:
        self.router: Router | None = router  # None once unpatched
        self._shadows: Shadows | None = None

    def __call__(
        self, wrapped: Callable[..., Any], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        options = args[1] if len(args) > 1 else kwargs["options"]
        router = self.router
        if router is None or options.url not in PATHS:
            return wrapped(*args, **kwargs)
        body = options.json_data
        model = body.get("model") if isinstance(body, Mapping) else None
        if (
            not isinstance(model, str)
            or getattr(instance, "_easyllm_shadow", False)
            or not router.touches(model, lambda: str(instance.base_url))
        ):
            return wrapped(*args, **kwargs)
        return router.dispatch(model, body, _Call(wrapped, args, kwargs, self, router, instance, options))

    def shadow_of(self, client: Any, upstream: Upstream) -> Any:
        """The shadow of a caller's client, on `upstream` (the configuration in force)."""
        shadows = self._shadows
        if shadows is None or shadows.upstream is not upstream:
            from .shadow import Shadows  # the translation stack, on the first routed call

            shadows = self._shadows = Shadows(upstream)
        return shadows.for_client(client)


class _Call(Call):
    """One intercepted `request(cast_to, options, ...)` call of an openai client (`instance`)."""

    __slots__ = ("_instance", "_options", "_router", "_wrapper")

    def __init__(
        self,
        wrapped: Callable[..., Any],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        wrapper: RequestWrapper,
        router: Router,
        instance: Any,
        options: Any,
    ) -> None:
        super().__init__(wrapped, args, kwargs, asynchronous=isinstance(instance, AsyncAPIClient))
        self._wrapper = wrapper
        self._router = router
        self._instance = instance
        self._options = options

    def routed(self, model: str) -> Any:
        """On a shadow client, so the SDK's own code sends, retries, parses and raises."""
        instance, options = self._instance, self._options
        shadow = self._wrapper.shadow_of(instance, self._router.upstream)
        same_client = shadow.timeout == instance.timeout and shadow.max_retries == instance.max_retries
        if not same_client or model != options.json_data["model"]:
            options = _copy_options(options, model)
            # The caller's client timeout and retries, made explicit for the shadow client.
            if isinstance(options.max_retries, NotGiven):
                options.max_retries = instance.max_retries
            if isinstance(options.timeout, NotGiven):
                options.timeout = instance.timeout
        return _call_with(_unwrapped_on(self.wrapped, shadow), self.args, self.kwargs, options)

    def passed(self, model: str) -> Any:
        # A rewritten model that does not route (an OpenAI model): the caller's own, unpatched path,
        # so OpenAI's key goes to OpenAI and the Hugging Face token never leaves the shadow client.
        return _call_with(self.wrapped, self.args, self.kwargs, _copy_options(self._options, model))

    def failed(self, error: Exception) -> bool:
        return server_failed(error)

    def openai_key(self) -> str | None:
        key = getattr(self._instance, "api_key", None)
        return key if isinstance(key, str) else None


def _unwrapped_on(wrapped: Callable[..., Any], shadow: Any) -> Callable[..., Any]:
    """`request` of the shadow client without passing this wrapper again. When another library wrapped
    `request` below us, `wrapped` is its wrapper, and going through the shadow's attribute keeps it."""
    # type(), not isinstance(): wrapt's proxies claim the class of what they wrap.
    if type(wrapped) is types.MethodType:
        return types.MethodType(wrapped.__func__, shadow)
    return shadow.request  # type: ignore[no-any-return]


def _copy_options(options: Any, model: str) -> Any:
    """A copy of the caller's request options for `model`; the caller's own are never changed."""
    copied = model_copy(options)
    if model != options.json_data["model"]:
        copied.json_data = {**options.json_data, "model": model}
    return copied


def _call_with(function: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any], options: Any) -> Any:
    """`function` called as the SDK called `request`, with `options` in place of the caller's."""
    if len(args) > 1:
        return function(args[0], options, *args[2:], **kwargs)
    return function(*args, **{**kwargs, "options": options})

"""Where one call goes: the routing decision behind every patched entry point, and the shared backend."""

from __future__ import annotations

import functools
import threading
import types
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from ._call import flow, run_async, run_sync
from ._config import Config
from ._observe import record_for
from ._rules import Decision

if TYPE_CHECKING:
    from ._backend import Backend
    from ._shadow import Shadows

# OpenAI paths the shim can translate (`Backend._plan` has a plan for each).
ROUTES = frozenset({"/chat/completions", "/completions", "/embeddings", "/responses"})


class Router:
    """Configuration bound at patch time, plus the TGI backend and shadow clients, built on first use."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self._shadows: Shadows | None = None
        self._lock = threading.Lock()

    @property
    def shadows(self) -> Shadows:
        if self._shadows is None:
            with self._lock:
                if self._shadows is None:
                    from ._backend import Backend
                    from ._shadow import Shadows

                    self._shadows = Shadows(Backend(self.config))
        return self._shadows

    @property
    def backend(self) -> Backend:
        return self.shadows.backend

    def reconfigure(self, config: Config) -> None:
        # Calls in flight keep the backend they started with.
        with self._lock:
            self.config, self._shadows = config, None

    def request(self, wrapped: Callable[..., Any], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """The wrapper of `SyncAPIClient.request` and `AsyncAPIClient.request` (the async one returns a coroutine)."""
        options = args[1] if len(args) > 1 else kwargs["options"]
        if options.url not in ROUTES:
            return wrapped(*args, **kwargs)
        body = options.json_data
        model = body.get("model") if isinstance(body, Mapping) else None
        if not isinstance(model, str):
            return wrapped(*args, **kwargs)
        config = self.config
        rule = config.rules.get(model)  # model map, experiment or fallback: one dict lookup
        if (rule is None and not config.route(model)) or getattr(instance, "_easyllm_shadow", False):
            return wrapped(*args, **kwargs)
        send = functools.partial(self._send, wrapped, instance, args, kwargs, options)
        if rule is None:
            return send(model)
        return _managed(config, send, instance, rule.decide(body))

    def _send(
        self,
        wrapped: Callable[..., Any],
        instance: Any,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        options: Any,
        model: str,
    ) -> Any:
        """The call on `model`: to TGI through the shadow client if `model` routes, else on the caller's path."""
        if self.config.route(model):
            from openai import NotGiven

            routed = _copy_options(options, model)
            # The caller's client timeout and retries, made explicit for the shadow client.
            if isinstance(routed.max_retries, NotGiven):
                routed.max_retries = instance.max_retries
            if isinstance(routed.timeout, NotGiven):
                routed.timeout = instance.timeout
            return _call_with(_unwrapped_on(wrapped, self.shadows.for_client(instance)), args, kwargs, routed)
        if model == options.json_data["model"]:
            return wrapped(*args, **kwargs)
        # A rewritten model that does not route (an OpenAI model): the caller's own, unpatched path,
        # so OpenAI's key goes to OpenAI and the Hugging Face token never leaves the shadow client.
        return _call_with(wrapped, args, kwargs, _copy_options(options, model))


def _managed(config: Config, send: Callable[[str], Any], instance: Any, decision: Decision) -> Any:
    """A call the rules touched: fallback and event log around `send`, awaited for async clients."""
    from openai._base_client import AsyncAPIClient

    record = record_for(config, decision, getattr(instance, "api_key", None))
    steps = flow(send, decision, record)
    return run_async(steps) if isinstance(instance, AsyncAPIClient) else run_sync(steps)


def _unwrapped_on(wrapped: Callable[..., Any], shadow: Any) -> Callable[..., Any]:
    """`request` of the shadow client without passing this wrapper again. When another library wrapped
    `request` below us, `wrapped` is its wrapper, and going through the shadow's attribute keeps it."""
    # type(), not isinstance(): wrapt's proxies claim the class of what they wrap.
    if type(wrapped) is types.MethodType:
        return types.MethodType(wrapped.__func__, shadow)
    return shadow.request  # type: ignore[no-any-return]


def _copy_options(options: Any, model: str) -> Any:
    """A copy of the caller's request options for `model`; the caller's own are never changed."""
    from openai._compat import model_copy

    copied = model_copy(options)
    if model != options.json_data["model"]:
        copied.json_data = {**options.json_data, "model": model}
    return copied


def _call_with(function: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any], options: Any) -> Any:
    """`function` called as the SDK called `request`, with `options` in place of the caller's."""
    if len(args) > 1:
        return function(args[0], options, *args[2:], **kwargs)
    return function(*args, **{**kwargs, "options": options})

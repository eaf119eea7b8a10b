"""Where one call goes: the routing decision behind every patched entry point, and the shared backend."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from ._config import Config

if TYPE_CHECKING:
    from ._backend import Backend
    from ._shadow import Shadows

# OpenAI paths the shim can translate.
ROUTES = frozenset({"/chat/completions"})


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
        if not isinstance(model, str) or not self.config.route(model) or getattr(instance, "_easyllm_shadow", False):
            return wrapped(*args, **kwargs)
        shadow = self.shadows.for_client(instance)
        routed = _routed_options(options, instance)
        if len(args) > 1:
            return shadow.request(args[0], routed, *args[2:], **kwargs)
        return shadow.request(*args, **{**kwargs, "options": routed})


def _routed_options(options: Any, client: Any) -> Any:
    """The caller's request options, with the caller's client timeout and retries made explicit."""
    from openai import NotGiven
    from openai._compat import model_copy

    routed = model_copy(options)
    if isinstance(routed.max_retries, NotGiven):
        routed.max_retries = client.max_retries
    if isinstance(routed.timeout, NotGiven):
        routed.timeout = client.timeout
    return routed

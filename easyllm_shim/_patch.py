"""`patch()` / `unpatch()`: what to wrap is a table; the wrapper only decides where a call goes."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import wrapt

from ._config import Config

if TYPE_CHECKING:
    from ._shadow import Shadows

log = logging.getLogger("easyllm_shim")


@dataclass(frozen=True)
class Target:
    module: str
    name: str


# Every chat entry point of openai >= 1 (create, raw and streaming responses, parse, stream, the
# module-level client, sync and async) reaches the network through these two methods; the SDK's
# retries loop below them, so each call passes here once. See docs/design.md.
TARGETS_V1 = (
    Target("openai._base_client", "SyncAPIClient.request"),
    Target("openai._base_client", "AsyncAPIClient.request"),
)
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

    def reconfigure(self, config: Config) -> None:
        # Calls in flight keep the backend they started with.
        with self._lock:
            self.config, self._shadows = config, None


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


def make_request_wrapper(router: Router) -> Callable[..., Any]:
    """The wrapper for `SyncAPIClient.request` and `AsyncAPIClient.request` (the async one returns a coroutine)."""

    def request(wrapped: Callable[..., Any], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        options = args[1] if len(args) > 1 else kwargs["options"]
        if options.url not in ROUTES:
            return wrapped(*args, **kwargs)
        body = options.json_data
        model = body.get("model") if isinstance(body, Mapping) else None
        if not isinstance(model, str) or not router.config.route(model) or getattr(instance, "_easyllm_shadow", False):
            return wrapped(*args, **kwargs)
        shadow = router.shadows.for_client(instance)
        routed = _routed_options(options, instance)
        if len(args) > 1:
            return shadow.request(args[0], routed, *args[2:], **kwargs)
        return shadow.request(*args, **{**kwargs, "options": routed})

    return request


class _Patcher:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._router: Router | None = None
        self._handles: list[tuple[Target, Any]] = []

    def patch(self, config: Config) -> None:
        with self._lock:
            if self._router is not None:  # already patched: reconfigure, never wrap twice
                self._router.reconfigure(config)
                return
            router = Router(config)
            wrapper = make_request_wrapper(router)
            handles = [(t, wrapt.wrap_function_wrapper(t.module, t.name, wrapper)) for t in TARGETS_V1]
            self._router, self._handles = router, handles

    def unpatch(self) -> None:
        with self._lock:
            for target, handle in reversed(self._handles):
                _unwrap(target, handle)
            self._router, self._handles = None, []

    @property
    def router(self) -> Router | None:
        return self._router


def _unwrap(target: Target, handle: Any) -> None:
    import importlib

    module = importlib.import_module(target.module)
    unwrap_object = getattr(wrapt, "unwrap_object", None)
    if unwrap_object is not None:  # wrapt >= 2.4 also splices us out from under other wrappers
        unwrap_object(module, target.name, handle, missing_ok=True)
        return
    owner_name, attribute = target.name.rsplit(".", 1)
    owner = getattr(module, owner_name)
    if vars(owner).get(attribute) is handle:
        setattr(owner, attribute, handle.__wrapped__)
    else:
        log.warning("%s.%s was re-wrapped by another library; leaving it in place", target.module, target.name)


_patcher = _Patcher()


def patch(
    *,
    token: str | None = None,
    api_base: str | None = None,
    route: Callable[[str], bool] | None = None,
    prompt_format: Any = None,
    prompt_formats: Mapping[str, Any] | None = None,
) -> None:
    """Route openai SDK calls for Hugging Face models to TGI. Idempotent; a second call reconfigures.

    Keyword arguments win over environment variables (HUGGINGFACE_TOKEN, HF_TOKEN,
    HUGGINGFACE_API_BASE). `route(model) -> bool` replaces the default rule (a Hub `owner/name`
    id). Bad values raise `ConfigError` naming the argument or variable.
    """
    config = Config.from_sources(
        token=token, api_base=api_base, route=route, prompt_format=prompt_format, prompt_formats=prompt_formats
    )
    _patcher.patch(config)


def unpatch() -> None:
    """Restore the openai SDK exactly as it was. Idempotent."""
    _patcher.unpatch()


def is_patched() -> bool:
    return _patcher.router is not None

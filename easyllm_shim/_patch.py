"""`patch()` / `unpatch()`: wrap the rows of `_targets`, and restore them exactly."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Mapping
from typing import Any

import wrapt

from ._config import Config, env_flag
from ._experiments import ExperimentsSpec
from ._router import Router
from ._syntax import PairsSpec
from ._targets import Target, installed_targets

log = logging.getLogger("easyllm_shim")


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
            handles = [
                (t, wrapt.wrap_function_wrapper(t.module, t.name, t.wrapper(router))) for t in installed_targets()
            ]
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


_disabled_logged = False


def patch(
    *,
    token: str | None = None,
    api_base: str | None = None,
    route: Callable[[str], bool] | None = None,
    prompt_format: Any = None,
    prompt_formats: Mapping[str, Any] | None = None,
    model_map: PairsSpec | None = None,
    endpoints: PairsSpec | None = None,
    ab: ExperimentsSpec | None = None,
    ab_log: str | os.PathLike[str] | None = None,
    fallback: PairsSpec | None = None,
) -> None:
    """Route openai SDK calls for Hugging Face models to TGI. Idempotent; a second call reconfigures.

    Each keyword argument replaces its environment variable (HUGGINGFACE_TOKEN or HF_TOKEN,
    HUGGINGFACE_API_BASE, EASYLLM_MODEL_MAP, EASYLLM_ENDPOINTS, EASYLLM_AB, EASYLLM_AB_LOG,
    EASYLLM_FALLBACK); mappings are dicts or strings in the variables' syntax (docs/deploy.md).
    `route(model) -> bool` replaces the default rule (a Hub `owner/name` id). Bad values raise
    `ConfigError` naming the argument or variable. With EASYLLM_DISABLE=1, does nothing.
    """
    global _disabled_logged
    if env_flag("EASYLLM_DISABLE"):  # the kill switch skips validation too: it must work when the rest is broken
        if not _disabled_logged:
            _disabled_logged = True
            log.info("EASYLLM_DISABLE is set: easyllm_shim.patch() does nothing; every call passes through")
        return
    config = Config.from_sources(
        token=token,
        api_base=api_base,
        route=route,
        prompt_format=prompt_format,
        prompt_formats=prompt_formats,
        model_map=model_map,
        endpoints=endpoints,
        ab=ab,
        ab_log=ab_log,
        fallback=fallback,
    )
    _patcher.patch(config)


def unpatch() -> None:
    """Restore the openai SDK exactly as it was. Idempotent."""
    _patcher.unpatch()


def is_patched() -> bool:
    return _patcher.router is not None

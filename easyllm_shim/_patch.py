"""`patch()` / `unpatch()`: wrap the installed SDK's patch points with wrapt, and restore them exactly.

openai 0.28 is patched on its module-level resources (`_module_api`), openai >= 1 on the client's
`request` methods (`_client_api`); both wrappers decide through one `Router`.
"""

from __future__ import annotations

import importlib
import logging
import os
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import wrapt

from ._config.experiments import ExperimentsSpec
from ._config.settings import Config, env_flag
from ._config.syntax import PairsSpec, UrlsSpec
from ._routing.router import Router

if TYPE_CHECKING:
    from ._prompts.resolve import FormatSpec

log = logging.getLogger("easyllm_shim")

PatchPoint = tuple[str, str, Callable[..., Any]]  # module, attribute, wrapper


def installed_patch_points(router: Router) -> list[PatchPoint]:
    """openai 0.28's module-level resources, or the client API of 1.x, 2.x and 3.x."""
    import openai

    if not hasattr(openai, "OpenAI"):  # openai 0.28 (asking importlib.metadata would cost ~20 ms of import)
        from ._module_api.wrappers import patch_points
    else:
        from ._client_api.wrapper import patch_points
    return patch_points(router)


class _Patcher:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._router: Router | None = None
        self._handles: list[tuple[str, str, Any, Any]] = []  # module, name, wrapt's handle, our wrapper

    def patch(self, config: Config) -> None:
        with self._lock:
            if self._router is not None:  # already patched: reconfigure, never wrap twice
                self._router.reconfigure(config)
                return
            router = Router(config)
            handles = [
                (module, name, wrapt.wrap_function_wrapper(module, name, wrapper), wrapper)
                for module, name, wrapper in installed_patch_points(router)
            ]
            self._router, self._handles = router, handles

    def unpatch(self) -> None:
        with self._lock:
            for module, name, handle, wrapper in reversed(self._handles):
                # A wrapper that cannot be taken out (see `unwrap`) passes every call through from now on.
                wrapper.router = None
                unwrap(module, name, handle)
            self._router, self._handles = None, []

    @property
    def router(self) -> Router | None:
        return self._router


def unwrap(module_name: str, name: str, handle: Any) -> None:
    """Take our wrapper `handle` off `module_name.name`, and only ours."""
    module = importlib.import_module(module_name)
    unwrap_object = getattr(wrapt, "unwrap_object", None)
    if unwrap_object is not None:  # wrapt >= 2.4 also splices us out from under other wrappers
        unwrap_object(module, name, handle, missing_ok=True)
        return
    owner_name, attribute = name.rsplit(".", 1)
    owner = getattr(module, owner_name)
    if vars(owner).get(attribute) is handle:
        setattr(owner, attribute, handle.__wrapped__)
    else:
        log.warning("%s.%s was re-wrapped by another library; leaving it in place", module_name, name)


_patcher = _Patcher()


_disabled_logged = False


def patch(
    *,
    token: str | None = None,
    api_base: str | Sequence[str] | None = None,
    route: Callable[[str], bool] | None = None,
    prompt_format: FormatSpec | None = None,
    prompt_formats: Mapping[str, FormatSpec] | None = None,
    model_map: PairsSpec | None = None,
    endpoints: UrlsSpec | None = None,
    ab: ExperimentsSpec | None = None,
    ab_log: str | os.PathLike[str] | None = None,
    fallback: PairsSpec | None = None,
    route_all_clients: bool | None = None,
    cooldown: float | None = None,
) -> None:
    """Route openai SDK calls for Hugging Face models to Hugging Face servers. Idempotent; a second call
    reconfigures.

    Each keyword argument replaces its environment variable (HUGGINGFACE_TOKEN or HF_TOKEN,
    HUGGINGFACE_API_BASE, EASYLLM_MODEL_MAP, EASYLLM_ENDPOINTS, EASYLLM_AB, EASYLLM_AB_LOG,
    EASYLLM_FALLBACK, EASYLLM_ROUTE_ALL_CLIENTS, EASYLLM_COOLDOWN); mappings are dicts or strings in the variables'
    syntax (docs/deploy.md); `api_base` and each model's `endpoints` may list several URLs (replicas,
    comma-separated or a list). `route(model) -> bool` replaces the default rule (a Hub `owner/name` id), which
    applies to clients on OpenAI's base URL (or the process's OPENAI_BASE_URL) only, unless
    `route_all_clients`; the deployment rules and the models `endpoints` names apply to every client.
    Bad values raise `ConfigError` naming the argument or variable. With EASYLLM_DISABLE=1, does nothing.
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
        cooldown=cooldown,
        ab=ab,
        ab_log=ab_log,
        fallback=fallback,
        route_all_clients=route_all_clients,
    )
    _patcher.patch(config)


def unpatch() -> None:
    """Restore the openai SDK exactly as it was. Idempotent."""
    _patcher.unpatch()


def is_patched() -> bool:
    return _patcher.router is not None

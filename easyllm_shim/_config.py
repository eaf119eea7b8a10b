"""One typed configuration, read once at `patch()` time from keyword arguments and the environment.

Keyword arguments win over environment variables, as explicit arguments win over `OPENAI_API_KEY`
in the openai SDK itself; a keyword argument replaces its variable whole (mappings are not merged).
The deployment variables and their syntax: docs/deploy.md.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from . import _syntax as syntax
from ._experiments import Experiment, ExperimentsSpec, parse_experiments
from ._routing import is_hub_model
from ._rules import Rule, build_rules
from ._syntax import PairsSpec

# Today's serverless text-generation endpoint (tgi-protocol.md §6.2): the hf-inference provider of
# the router, one URL per model, speaking TGI's compat `/` route.
DEFAULT_API_BASE = "https://router.huggingface.co/hf-inference/models"
_HF_HOST_SUFFIXES = (".huggingface.co", ".huggingface.cloud", ".hf.space")
_HF_HOSTS = ("huggingface.co",)


class ConfigError(ValueError):
    """A configuration value that cannot be used; the message names the variable and the bad part."""


def is_hf_host(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return host in _HF_HOSTS or host.endswith(_HF_HOST_SUFFIXES)


class Credentials:
    """The Hugging Face token, with huggingface_hub's stored login looked up only when first needed.

    An explicit token (code, HUGGINGFACE_TOKEN, HF_TOKEN) goes to every Hugging Face endpoint the
    shim routes to. The stored login is implicit, so it goes only to Hugging Face's own hosts,
    never to a self-hosted TGI URL.
    """

    def __init__(self, explicit: str | None, *, stored_login: bool = True) -> None:
        self._explicit = explicit or None
        self._use_stored_login = stored_login and self._explicit is None
        self._stored: str | None = None
        self._stored_read = False
        self._lock = threading.Lock()

    def token_for(self, url: str) -> str | None:
        if self._explicit is not None:
            return self._explicit
        if not self._use_stored_login or not is_hf_host(url):
            return None
        if not self._stored_read:
            with self._lock:
                if not self._stored_read:
                    self._stored = _stored_login()
                    self._stored_read = True
        return self._stored

    @property
    def has_explicit_token(self) -> bool:
        return self._explicit is not None

    @property
    def explicit_token(self) -> str | None:
        """For redaction (event log, doctor): the token given in code or the environment, if any."""
        return self._explicit


def _stored_login() -> str | None:
    from huggingface_hub import get_token  # slow to import; only reached on the first routed call

    token: str | None = get_token()
    return token


def env_token(environ: Mapping[str, str]) -> str | None:
    return environ.get("HUGGINGFACE_TOKEN") or environ.get("HF_TOKEN") or None


def check_url(name: str, value: str) -> str:
    """`value` as a URL, or a ConfigError naming `name`."""
    return _parsed(name, syntax.url, value)


def env_flag(name: str, environ: Mapping[str, str] | None = None) -> bool:
    """A switch such as EASYLLM_DISABLE: 1/true/yes/on or 0/false/no/off (or unset); anything else is an error."""
    return _parsed(name, syntax.switch, (os.environ if environ is None else environ).get(name, ""))


_T = TypeVar("_T")


def _parsed(source: str, parse: Callable[[Any], _T], value: Any) -> _T:
    try:
        return parse(value)
    except ValueError as error:
        raise ConfigError(f"{source}: {error}") from None


def _fallbacks(spec: PairsSpec) -> dict[str, str]:
    fallbacks = syntax.model_pairs(spec)
    if same := next((model for model, fallback in fallbacks.items() if model == fallback), None):
        raise ValueError(f"{same!r} falls back to itself")
    return fallbacks


def _log_path(value: str | os.PathLike[str]) -> str | None:
    if not str(value).strip():
        return None
    path = Path(value)
    if path.is_dir():
        raise ValueError(f"{str(value)!r} is a directory, not a file")
    if not path.parent.is_dir():
        raise ValueError(f"the directory of {str(value)!r} does not exist")
    return str(path)


@dataclass(frozen=True)
class Config:
    """Everything routing and the TGI backend need, validated."""

    api_base: str = DEFAULT_API_BASE
    credentials: Credentials = field(default_factory=lambda: Credentials(None))
    route: Callable[[str], bool] = is_hub_model
    prompt_format: Any = None
    prompt_formats: Mapping[str, Any] = field(default_factory=dict)
    model_map: Mapping[str, str] = field(default_factory=dict)
    endpoints: Mapping[str, str] = field(default_factory=dict)
    experiments: Mapping[str, Experiment] = field(default_factory=dict)
    ab_log: str | None = None
    fallback: Mapping[str, str] = field(default_factory=dict)
    # Derived: the model map, experiments and fallbacks by requested model, one lookup per call.
    rules: Mapping[str, Rule] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "rules", build_rules(self.model_map, self.experiments, self.fallback))

    def base_for(self, model: str) -> str:
        """The TGI root, serverless base or compat-route URL that `model`'s calls go to."""
        return self.endpoints.get(model, self.api_base)

    @classmethod
    def from_sources(
        cls,
        *,
        environ: Mapping[str, str] | None = None,
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
    ) -> Config:
        env = os.environ if environ is None else environ
        base = api_base or env.get("HUGGINGFACE_API_BASE") or DEFAULT_API_BASE
        source = "api_base" if api_base else "HUGGINGFACE_API_BASE"
        if route is not None and not callable(route):
            raise ConfigError(f"route: expected a callable taking a model id, got {route!r}")

        def parsed(parse: Callable[[Any], _T], argument: Any, name: str, variable: str) -> _T:
            """The argument if given, else the variable; errors name whichever was used."""
            if argument is not None:
                return _parsed(name, parse, argument)
            return _parsed(variable, parse, env.get(variable, ""))

        return cls(
            api_base=check_url(source, base),
            credentials=Credentials(token or env_token(env)),
            route=route or is_hub_model,
            prompt_format=prompt_format,
            prompt_formats=dict(prompt_formats or {}),
            model_map=parsed(syntax.model_pairs, model_map, "model_map", "EASYLLM_MODEL_MAP"),
            endpoints=parsed(syntax.url_pairs, endpoints, "endpoints", "EASYLLM_ENDPOINTS"),
            experiments=parsed(parse_experiments, ab, "ab", "EASYLLM_AB"),
            ab_log=parsed(_log_path, ab_log, "ab_log", "EASYLLM_AB_LOG"),
            fallback=parsed(_fallbacks, fallback, "fallback", "EASYLLM_FALLBACK"),
        )

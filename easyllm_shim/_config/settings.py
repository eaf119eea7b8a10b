"""One typed configuration, read once at `patch()` time from keyword arguments and the environment.

Keyword arguments win over environment variables, as explicit arguments win over `OPENAI_API_KEY`
in the openai SDK itself; a keyword argument replaces its variable whole (mappings are not merged).
The deployment variables and their syntax: docs/deploy.md.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict, TypeVar

from . import syntax
from .credentials import Credentials, env_token
from .experiments import Experiment, ExperimentsSpec, parse_experiments
from .hub import DEFAULT_API_BASE, is_hub_model
from .syntax import PairsSpec, UrlsSpec

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from .._prompts.resolve import FormatSpec


class ConfigError(ValueError):
    """A configuration value that cannot be used; the message names the variable and the bad part."""


ConfigError.__module__ = "easyllm_shim"  # tracebacks name it where users import it from


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


def _switch(value: bool | str) -> bool:
    return value if isinstance(value, bool) else syntax.switch(value)


def _seconds(value: float | str) -> float:
    if isinstance(value, str) and not value.strip():
        return 1.0
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{value!r} is not a number of seconds") from None
    if not 0 < seconds <= 3600:
        raise ValueError(f"{value!r} is not a number of seconds from 0 to 3600")
    return seconds


def _log_path(value: str | os.PathLike[str]) -> str | None:
    if not str(value).strip():
        return None
    path = Path(value)
    if path.is_dir():
        raise ValueError(f"{str(value)!r} is a directory, not a file")
    if path.exists() and not path.is_file():  # a FIFO would block every managed call until someone reads it
        raise ValueError(f"{str(value)!r} is not a regular file (a FIFO, socket or device)")
    if not path.parent.is_dir():
        raise ValueError(f"the directory of {str(value)!r} does not exist")
    return str(path)


@dataclass(frozen=True)
class Config:
    """Everything routing and the upstream need, validated."""

    api_base: str = DEFAULT_API_BASE  # one URL, or several (replicas) joined by commas
    credentials: Credentials = field(default_factory=lambda: Credentials(None))
    route: Callable[[str], bool] = is_hub_model
    prompt_format: FormatSpec | None = None
    prompt_formats: Mapping[str, FormatSpec] = field(default_factory=dict)
    model_map: Mapping[str, str] = field(default_factory=dict)
    endpoints: Mapping[str, str] = field(default_factory=dict)  # model -> its replicas' URLs, comma-joined
    experiments: Mapping[str, Experiment] = field(default_factory=dict)
    ab_log: str | None = None
    fallback: Mapping[str, str] = field(default_factory=dict)
    # The default rule routes calls from clients on OpenAI's own base URL only, unless this is set.
    route_all_clients: bool = False
    # Seconds a failed replica is first skipped for; each further failure in a row doubles it (docs/deploy.md).
    cooldown: float = 1.0

    def base_for(self, model: str) -> str:
        """The TGI root, serverless base or compat-route URL that `model`'s calls go to (the first replica)."""
        return self.bases_for(model)[0]

    def bases_for(self, model: str) -> tuple[str, ...]:
        """Every replica of `model`: its URLs in EASYLLM_ENDPOINTS, else HUGGINGFACE_API_BASE's."""
        return syntax.split_urls(self.endpoints.get(model, self.api_base))

    @classmethod
    def from_sources(cls, *, environ: Mapping[str, str] | None = None, **given: Unpack[Arguments]) -> Config:
        """`patch()`'s keyword arguments over the environment (`environ`, by default `os.environ`)."""
        env = os.environ if environ is None else environ
        api_base, route = given.get("api_base"), given.get("route")
        base = api_base or env.get("HUGGINGFACE_API_BASE") or DEFAULT_API_BASE
        source = "api_base" if api_base else "HUGGINGFACE_API_BASE"
        if route is not None and not callable(route):
            raise ConfigError(f"route: expected a callable taking a model id, got {route!r}")

        def parsed(parse: Callable[[Any], _T], name: str, variable: str) -> _T:
            """The argument if given, else the variable; errors name whichever was used."""
            argument = given.get(name)
            if argument is not None:
                return _parsed(name, parse, argument)
            return _parsed(variable, parse, env.get(variable, ""))

        return cls(
            api_base=_parsed(source, syntax.urls, base),
            credentials=Credentials(given.get("token") or env_token(env)),
            route=route or is_hub_model,
            prompt_format=given.get("prompt_format"),
            prompt_formats=dict(given.get("prompt_formats") or {}),
            model_map=parsed(syntax.model_pairs, "model_map", "EASYLLM_MODEL_MAP"),
            endpoints=parsed(syntax.url_pairs, "endpoints", "EASYLLM_ENDPOINTS"),
            experiments=parsed(parse_experiments, "ab", "EASYLLM_AB"),
            ab_log=parsed(_log_path, "ab_log", "EASYLLM_AB_LOG"),
            fallback=parsed(_fallbacks, "fallback", "EASYLLM_FALLBACK"),
            route_all_clients=parsed(_switch, "route_all_clients", "EASYLLM_ROUTE_ALL_CLIENTS"),
            cooldown=parsed(_seconds, "cooldown", "EASYLLM_COOLDOWN"),
        )


class Arguments(TypedDict, total=False):
    """`patch()`'s keyword arguments (documented there); None means "not given"."""

    token: str | None
    api_base: str | Sequence[str] | None
    route: Callable[[str], bool] | None
    prompt_format: FormatSpec | None
    prompt_formats: Mapping[str, FormatSpec] | None
    model_map: PairsSpec | None
    endpoints: UrlsSpec | None
    ab: ExperimentsSpec | None
    ab_log: str | os.PathLike[str] | None
    fallback: PairsSpec | None
    route_all_clients: bool | None
    cooldown: float | None

"""`easyllm-shim doctor`: the effective configuration with secrets redacted, where models go, endpoint health.

Reads the same environment `patch()` reads. Secrets: a Hugging Face token is shown as `hf_***abcd`,
the OpenAI key only as set or not set, URLs without their userinfo and credential query values. Each
TGI server a model routes to is asked for `/health` and `/info` (a few seconds' timeout each), with
the credentials its calls carry and without following redirects; a failure is reported, never raised.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from importlib.metadata import PackageNotFoundError, version

from .._autopatch import PTH_NAME, pth_installed
from .._config.credentials import env_token
from .._config.redact import redact_token as redact
from .._config.redact import without_credentials
from .._config.settings import Config, ConfigError, env_flag
from .._routing.rules import build_rules
from .._telemetry.events import error_text
from .._upstream.endpoint import OPENAI, Endpoint, endpoint_for, endpoints_for
from .._version import __version__

SAMPLE_MODELS = ("gpt-4o-mini", "o3", "meta-llama/Llama-2-7b-chat-hf")
OPENAI_DEFAULT_BASE = "https://api.openai.com/v1"
Write = Callable[[str], None]


def doctor(write: Write = print, environ: Mapping[str, str] | None = None, timeout: float = 3.0) -> int:
    """Prints the report; 0 if all is well, 1 if an endpoint failed its check, 2 if the configuration is invalid."""
    env = os.environ if environ is None else environ
    write(f"easyllm-shim {__version__}, openai {_installed('openai')}\n")
    try:
        disabled, autopatch = env_flag("EASYLLM_DISABLE", env), env_flag("EASYLLM_AUTOPATCH", env)
        config = Config.from_sources(environ=env)
    except ConfigError as error:
        write(f"configuration error: {error}")
        return 2
    write("Switches")
    write(f"  EASYLLM_DISABLE     {'on: patch() does nothing, every call passes through' if disabled else 'off'}")
    installed = "installed" if pth_installed() else "NOT installed in this environment: reinstall easyllm-shim"
    write(f"  EASYLLM_AUTOPATCH   {'on' if autopatch else 'off'} ({PTH_NAME} {installed})")
    write("\nConfiguration")
    for name, value in _settings(config, env):
        write(f"  {name:<20} {value}")
    write("\nRoutes")
    for model in _models(config):
        _write_route(write, config, model)
    write("\nEndpoints")
    secrets = (config.credentials.explicit_token,)
    checks = [_check(write, endpoint, timeout, secrets) for endpoint in _tgi_roots(config).values()]
    return 0 if all(checks) else 1


def _installed(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "not installed"


def _settings(config: Config, env: Mapping[str, str]) -> Iterable[tuple[str, str]]:
    token = env_token(env)
    source = "HUGGINGFACE_TOKEN" if env.get("HUGGINGFACE_TOKEN") else "HF_TOKEN"
    stored = "not set: huggingface_hub's stored login, sent to Hugging Face hosts only"
    yield "Hugging Face token", f"{redact(token)} ({source})" if token else stored
    yield "OpenAI key", "set (never shown)" if env.get("OPENAI_API_KEY") else "not set"
    yield "OpenAI base URL", without_credentials(env.get("OPENAI_BASE_URL") or f"{OPENAI_DEFAULT_BASE} (default)")
    yield "HUGGINGFACE_API_BASE", without_credentials(config.api_base)
    yield "EASYLLM_MODEL_MAP", _pairs(config.model_map)
    yield "EASYLLM_ENDPOINTS", _pairs(config.endpoints)
    experiments = [
        f"{name}: " + ", ".join(f"{arm.model} {arm.percent:g}%" for arm in experiment.arms)
        for name, experiment in config.experiments.items()
    ]
    yield "EASYLLM_AB", "; ".join(experiments) or "-"
    yield "EASYLLM_AB_LOG", config.ab_log or "not set: no event log"
    yield "EASYLLM_FALLBACK", _pairs(config.fallback)
    reach = "from every client" if config.route_all_clients else "from clients on OpenAI's base URL or OPENAI_BASE_URL"
    yield "Routing rule", f"Hub model ids {reach}; models the rules or EASYLLM_ENDPOINTS name, from every client"


def _pairs(mapping: Mapping[str, str]) -> str:
    return without_credentials("; ".join(f"{key} -> {value}" for key, value in mapping.items())) or "-"


def _models(config: Config) -> list[str]:
    """The sample ids, then every model the configuration names, each once."""
    named = [*SAMPLE_MODELS, *config.model_map, *config.model_map.values(), *config.endpoints]
    for name, experiment in config.experiments.items():
        named += [name, *(arm.model for arm in experiment.arms)]
    named += [*config.fallback, *config.fallback.values()]
    return list(dict.fromkeys(named))


def _destinations(config: Config, model: str) -> list[tuple[float | None, str]]:
    """(percent of calls, model that serves them); percent None when all calls go there."""
    rule = build_rules(config.model_map, config.experiments, config.fallback).get(model)
    if rule is None or rule.experiment is None:
        return [(None, model if rule is None else rule.control)]
    shares: list[tuple[float | None, str]] = [(arm.percent, arm.model) for arm in rule.experiment.arms]
    rest = 100 - sum(arm.percent for arm in rule.experiment.arms)
    return [*shares, (rest, rule.control)] if rest > 0 else shares


def _write_route(write: Write, config: Config, model: str) -> None:
    write(f"  {model}")
    for percent, served in _destinations(config, model):
        share = "all" if percent is None else f"{percent:g}%"
        write(f"    {share:>5}  -> {served}: {_served_by(config, served)}")
        if fallback := config.fallback.get(served):
            write(f"           if that fails -> {fallback}: {_served_by(config, fallback)}")


def _routes(config: Config, model: str) -> bool:
    return model in config.endpoints or config.route(model)


def _served_by(config: Config, model: str) -> str:
    if not _routes(config, model):
        return "OpenAI"
    endpoint = endpoint_for(config, model)
    urls = ", ".join(without_credentials(replica.url) for replica in endpoints_for(config, model))
    if endpoint.kind == OPENAI:
        return f"OpenAI-compatible server {urls}"
    return f"TGI {urls}" + (" (compat route)" if endpoint.serverless else "")


def _tgi_roots(config: Config) -> dict[str, Endpoint]:
    """Each TGI URL a listed model routes to (fallbacks included), with the headers its calls carry."""
    served = {model for listed in _models(config) for _, model in _destinations(config, listed)}
    models = [*served, *(config.fallback[model] for model in served if model in config.fallback)]
    # Every replica of a model is checked: each has its own health.
    endpoints = [e for model in sorted(set(models)) if _routes(config, model) for e in endpoints_for(config, model)]
    return {endpoint.url: endpoint for endpoint in endpoints}


def _check(write: Write, endpoint: Endpoint, timeout: float, secrets: tuple[str | None, ...]) -> bool:
    write(f"  {without_credentials(endpoint.url)}")
    if endpoint.serverless:
        write("    not checked: a serverless or compat-route URL has no /health")
        return True
    headers = {name: value for name, value in endpoint.headers.items() if name == "authorization"}
    healthy = True
    for path in ("/models",) if endpoint.kind == OPENAI else ("/health", "/info"):
        try:
            status, body = _get(endpoint.url + path, headers, timeout)
        except Exception as error:  # any failure is the answer, not a crash
            write(f"    {path}: failed: {error_text(error, secrets)}")
            healthy = False
            continue
        healthy = healthy and status == 200
        if 300 <= status < 400:
            write(f"    {path}: {status}, a redirect: not followed (the check carries the endpoint's credentials)")
            continue
        write(f"    {path}: {status}{_info_summary(body) if path == '/info' and status == 200 else ''}")
    return healthy


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """urllib would re-send the `authorization` header to wherever a redirect points."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def _get(url: str, headers: Mapping[str, str], timeout: float) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers=dict(headers))
    try:
        with _opener.open(request, timeout=timeout) as response:  # http(s) only: URLs are validated
            return int(response.status), response.read(65536)
    except urllib.error.HTTPError as error:  # a redirect too: its status, as the answer
        return error.code, error.read(65536)


def _info_summary(body: bytes) -> str:
    try:
        info = json.loads(body)
    except ValueError:
        return " (not JSON)"
    if not isinstance(info, dict):
        return ""
    keys = ("model_id", "version", "max_input_tokens", "max_total_tokens")
    return "  " + ", ".join(f"{key}={info[key]}" for key in keys if key in info)

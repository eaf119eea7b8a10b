"""The decision behind every patched entry point, for both SDK generations: pass through, route, or manage."""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from .._config.hub import OPENAI_API_BASE
from .._config.settings import Config
from .._flows import adrive, drive
from .._telemetry.record import CallRecord
from .managed import managed
from .rules import Decision, Rule, build_rules

if TYPE_CHECKING:
    from .._upstream.upstream import Upstream

_BASE_URL_VARIABLES = ("OPENAI_BASE_URL", "OPENAI_API_BASE")


def is_default_base_url(url: str) -> bool:
    """OpenAI's own base URL, or the one this process gives every client (OPENAI_BASE_URL; 0.28's OPENAI_API_BASE)."""
    url = url.rstrip("/")
    return url == OPENAI_API_BASE or any(
        url == (os.environ.get(name) or "").rstrip("/") for name in _BASE_URL_VARIABLES
    )


class Call:
    """One intercepted SDK call: the wrapped function and its arguments. Each SDK generation says how
    to carry it out elsewhere (`_client_api/wrapper.py`, `_module_api/wrappers.py`)."""

    __slots__ = ("args", "asynchronous", "kwargs", "wrapped")

    def __init__(
        self, wrapped: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any], *, asynchronous: bool
    ) -> None:
        self.wrapped = wrapped
        self.args = args
        self.kwargs = kwargs
        self.asynchronous = asynchronous  # `wrapped` returns an awaitable

    def untouched(self) -> Any:
        """The caller's own call, exactly as it was made."""
        return self.wrapped(*self.args, **self.kwargs)

    def routed(self, model: str) -> Any:
        """The call, for `model`, to the Hugging Face server that serves it."""
        raise NotImplementedError

    def passed(self, model: str) -> Any:
        """The call on the caller's own path (OpenAI), for another model than it asked for."""
        raise NotImplementedError

    def failed(self, error: Exception) -> bool:
        """Whether `error` is the server's failure (connection, timeout, 429, 5xx), so a fallback may serve."""
        raise NotImplementedError

    def openai_key(self) -> str | None:
        """The caller's OpenAI key, to redact from what the event log writes."""
        raise NotImplementedError


class Router:
    """One configuration, bound at `patch()` time: its rules, and the Hugging Face servers, built on first use.

    A reconfiguring `patch()` swaps the configuration and its rules as one pair, and each call reads the
    pair once, so a call never mixes two configurations (nor sees one half-built)."""

    def __init__(self, config: Config) -> None:
        self._lock = threading.Lock()
        self.reconfigure(config)

    def reconfigure(self, config: Config) -> None:
        configured = (config, build_rules(config.model_map, config.experiments, config.fallback))
        with self._lock:
            self._configured: tuple[Config, Mapping[str, Rule]] = configured
            self._upstream: Upstream | None = None

    @property
    def config(self) -> Config:
        return self._configured[0]

    @property
    def rules(self) -> Mapping[str, Rule]:
        return self._configured[1]

    @property
    def upstream(self) -> Upstream:
        upstream = self._upstream
        if upstream is None:
            with self._lock:
                if self._upstream is None:
                    from .._upstream.upstream import Upstream  # the translation modules, on the first routed call

                    self._upstream = Upstream(self._configured[0])
                upstream = self._upstream
        return upstream

    def touches(self, model: str, client_base_url: Callable[[], str]) -> bool:
        """Whether the shim has anything to do with a call for `model` from a client whose base URL
        `client_base_url()` says (asked only when it matters).

        The deployment's own words (a rule, a model `endpoints` names) apply to every client. The
        default rule (a Hub-shaped id) applies only to clients on OpenAI's base URL, or the process's
        OPENAI_BASE_URL, where such a model would fail: a client built for another server (vLLM,
        OpenRouter, an Azure deployment, Hugging Face's router) asked for that server.
        """
        config, rules = self._configured
        if model in rules or model in config.endpoints:
            return True
        return config.route(model) and (config.route_all_clients or is_default_base_url(client_base_url()))

    def routes(self, model: str) -> bool:
        """Whether a call the shim touches goes to a Hugging Face server when it is for `model`."""
        return _routes(self.config, model)

    def dispatch(self, model: str, body: Mapping[str, Any], call: Call) -> Any:
        """Carry out a call the shim touches: routed, or managed by the rule for `model` (awaitable for
        async calls): sent to the model the rule chose, re-issued on its fallback, recorded in the event log."""
        config, rules = self._configured
        rule = rules.get(model)
        if rule is None:
            # A `patch()` between `touches` and here may have taken the rule away: then the call is the caller's.
            return call.routed(model) if _routes(config, model) else call.untouched()
        decision = rule.decide(body)
        routes = functools.partial(_routes, config)
        steps = managed(decision, _record(config, decision, call, routes), call.failed)

        def send(chosen: str) -> Any:
            if routes(chosen):
                return call.routed(chosen)
            return call.untouched() if chosen == model else call.passed(chosen)

        return adrive(steps, send) if call.asynchronous else drive(steps, send)


def _routes(config: Config, model: str) -> bool:
    return model in config.endpoints or config.route(model)


def _record(config: Config, decision: Decision, call: Call, routes: Callable[[str], bool]) -> CallRecord | None:
    if config.ab_log is None:
        return None
    secrets = (config.credentials.explicit_token, call.openai_key())
    return CallRecord(config.ab_log, decision.requested, decision.model, decision.experiment, routes, secrets)

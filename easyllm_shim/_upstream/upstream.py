"""The Hugging Face servers of one configuration: which endpoint serves a model, what each server said
about itself, and the flow of one routed call. No I/O: drivers carry out the flows' steps."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from contextvars import ContextVar
from typing import Any

from .._config.redact import prompt_log, without_credentials
from .._config.settings import Config
from .._prompts import ChatFormat, known_format, resolve_format
from .._telemetry.provider import failovers, replica
from .._translate.chat import plan_chat
from .._translate.completions import plan_completion
from .._translate.embeddings import plan_embedding
from .._translate.errors import InvalidRequest, invalid_request_body
from .._translate.responses import plan_responses
from . import openai_compatible, tgi, tgi_messages
from .endpoint import OPENAI, PATHS, Endpoint, endpoints_for
from .replicas import Replicas, failed, public_url, session_key
from .steps import Answer, Flow, Reply
from .tgi import DEFAULT_INFO, JSON_HEADERS, Plan, ServerInfo

log = logging.getLogger("easyllm_shim")
# The replicas (by model) that failed this thread's or task's attempts since its last success: the SDK's
# next attempt of a call goes elsewhere even when a short cooldown has already ended.
_failed_here: ContextVar[dict[str, tuple[int, ...]] | None] = ContextVar("easyllm_shim_failed_here", default=None)


class Upstream:
    """Configuration bound once; turns each routed OpenAI request into the flow of its call."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self._endpoints: dict[str, Endpoint] = {}
        # Models with several replicas: their endpoints and health. Empty when none has: no work per call.
        self._replicas: dict[str, tuple[tuple[Endpoint, ...], Replicas]] = {}
        self._replicated = "," in config.api_base or any("," in urls for urls in config.endpoints.values())
        self._info: dict[str, ServerInfo] = {}
        self._told_format: set[tuple[str, str]] = set()
        self._told_mismatch: set[tuple[str, str]] = set()

    def call(self, path: str, request: Mapping[str, Any]) -> Flow:
        """The flow of one OpenAI request (its path and decoded body). A request the shim refuses ends the
        flow at once with a 400 reply, decided before any network call. For a model with several
        replicas, one is chosen for this attempt, and its outcome updates that replica's health."""
        model = request.get("model") if self._replicated and isinstance(request, Mapping) else None
        replicas = self._replicas_of(model) if isinstance(model, str) else None
        if replicas is None or not isinstance(model, str):
            return (yield from self._call(path, request, None))
        endpoints, health = replicas
        failed_before = _failed_here.get()
        avoid = failed_before.get(model, ()) if failed_before else ()
        index = health.choose(session_key(request), avoid)
        ok: bool | None = None
        try:
            outcome = yield from self._call(path, request, endpoints[index])
            # Any other 4xx says nothing of the replica's health (the shim may have refused the call itself).
            status = outcome.status if isinstance(outcome, Reply) else 200
            ok = False if failed(status) else True if status < 400 else None
            return outcome
        except GeneratorExit:
            raise
        except Exception:
            ok = False  # a connection error or timeout, raised by the driver
            raise
        finally:
            health.done(index, ok)
            replica.set(public_url(endpoints[index].url))
            if ok and avoid:
                _failed_here.set({})
            if ok is False:
                _failed_here.set({**(failed_before or {}), model: (*avoid, index)})
                failovers.set(failovers.get() + 1)
                log.warning("easyllm_shim: replica %s of %s failed a call", public_url(endpoints[index].url), model)

    def _call(self, path: str, request: Mapping[str, Any], chosen: Endpoint | None) -> Flow:
        path = path.removeprefix("/v1")
        try:
            if not isinstance(request, Mapping):
                raise InvalidRequest("the request body must be a JSON object")
            model = request.get("model")
            model = model if isinstance(model, str) else ""  # the plans refuse a missing or odd model
            endpoint = chosen or self.endpoint(model)
            if endpoint.kind == OPENAI and path not in PATHS:
                raise InvalidRequest(f"the shim cannot route {path} for Hugging Face models")
            messages_api = endpoint.kind != OPENAI and self._server_builds_prompt(path, request, model, endpoint)
            body = tgi_messages.request_body(request, model) if messages_api else None
            plan = None if endpoint.kind == OPENAI or messages_api else self._plan(path, request)
        except InvalidRequest as error:
            return Reply(400, JSON_HEADERS, invalid_request_body(error))
        if endpoint.kind == OPENAI:  # the server speaks OpenAI's protocol itself
            return (yield from openai_compatible.call(path, request, endpoint))
        info = self._info.get(endpoint.url)
        if info is None:
            if tgi.needs_info("generate" if plan is None else plan.task, endpoint):
                info = self._learn(endpoint, (yield from tgi.ask_info(endpoint)))
            else:
                info = DEFAULT_INFO
        requested = model if plan is None else plan.model
        served = requested if info.serves(requested) else self._mismatch(requested, info, endpoint)
        if body is not None:
            return (yield from tgi_messages.call(body, endpoint, requested, served))
        assert plan is not None
        if log.isEnabledFor(logging.DEBUG):
            log.debug("routing %s %s to %s", path, plan.model, without_credentials(endpoint.url))
        if prompt_log.isEnabledFor(logging.DEBUG):
            prompt_log.debug("prompt of %s %s: %r", path, plan.model, getattr(plan, "inputs", None))
        return (yield from tgi.call(plan, endpoint, info, served))

    def endpoint(self, model: str) -> Endpoint:
        """The endpoint of `model` (its first replica's, if it has several)."""
        endpoint = self._endpoints.get(model)
        if endpoint is None:
            endpoints = endpoints_for(self.config, model)
            endpoint = self._endpoints[model] = endpoints[0]
            if len(endpoints) > 1:
                self._replicas[model] = (endpoints, Replicas([e.url for e in endpoints], self.config.cooldown))
        return endpoint

    def replicas(self, model: str) -> Replicas | None:
        """The health of `model`'s replicas, if it has several."""
        found = self._replicas_of(model)
        return None if found is None else found[1]

    def _replicas_of(self, model: str) -> tuple[tuple[Endpoint, ...], Replicas] | None:
        found = self._replicas.get(model)
        if found is None and model not in self._endpoints:
            self.endpoint(model)
            found = self._replicas.get(model)
        return found

    def _mismatch(self, model: str, info: ServerInfo, endpoint: Endpoint) -> str:
        """The model the server runs, which answers for `model` (TGI serves a typo in an id silently)."""
        served = str(info.model_id)
        if (model, endpoint.url) not in self._told_mismatch:
            self._told_mismatch.add((model, endpoint.url))
            log.warning("easyllm_shim: %s was asked for, but the TGI server at %s runs %s", model, endpoint.url, served)
        return served

    def _learn(self, endpoint: Endpoint, answer: Answer) -> ServerInfo:
        status, _, content = answer
        info = self._info[endpoint.url] = ServerInfo.parse(status, content)
        return info

    def _plan(self, path: str, request: Mapping[str, Any]) -> Plan:
        if path == "/chat/completions":
            return plan_chat(request, self._format)
        if path == "/completions":
            return plan_completion(request)
        if path == "/embeddings":
            return plan_embedding(request)
        if path == "/responses":
            return plan_responses(request, self._format)
        raise InvalidRequest(f"the shim cannot translate {path} for Hugging Face models")

    def _server_builds_prompt(self, path: str, request: Mapping[str, Any], model: str, endpoint: Endpoint) -> bool:
        """A chat call for a model whose format the shim does not know goes to TGI's Messages API, where the
        server applies the model's own template: never a prompt in a guessed format."""
        if path not in ("/chat/completions", "/responses") or not model:
            return False
        if self._override(model, request.get("prompt_format")) or known_format(model) is not None:
            return False
        if path == "/responses":  # TGI has no Responses API
            raise InvalidRequest(
                f"no chat format is known for {model}, and TGI has no Responses API to build its prompt;"
                f" {tgi_messages.how_to_name_a_format(model)}",
                param="model",
            )
        url = endpoint.url
        if (model, url) not in self._told_format:
            self._told_format.add((model, url))
            log.info("easyllm_shim: no chat format known for %s; TGI's Messages API at %s applies its own", model, url)
        return True

    def _override(self, model: str, call_override: Any) -> Any:
        """The format given for `model`: the call's, else the configuration's for it, else its global one."""
        config = self.config
        return call_override or config.prompt_formats.get(model) or config.prompt_format

    def _format(self, model: str, call_override: Any) -> ChatFormat:
        override = self._override(model, call_override)
        try:
            return resolve_format(model, override)
        except (ValueError, TypeError) as error:  # an unknown format name is the caller's mistake
            raise InvalidRequest(f"Invalid 'prompt_format': {error}", param="prompt_format") from error

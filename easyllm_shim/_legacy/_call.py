"""One routed 0.28 `create` call: its arguments sorted into the OpenAI request body and the call's options."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from .._backend import HF_CALL_HEADERS, JSON_HEADERS, Reply
from .._translate.errors import InvalidRequest, invalid_request_body
from ._openai0 import Shaper, sdk

if TYPE_CHECKING:
    from collections.abc import Sequence

    from .._backend import Answer, Backend, Exchange, UpstreamCall

log = logging.getLogger("easyllm_shim")

# `EngineAPIResource.create`'s positional parameters, in order.
POSITIONAL = ("api_key", "api_base", "api_type", "request_id", "api_version", "organization")
# What 0.28 consumes itself instead of sending in the body: OpenAI's credentials and endpoint,
# HTTP options, Azure's deployment. None of it is meant for, or sent to, TGI.
NOT_BODY = frozenset({*POSITIONAL, "request_timeout", "timeout", "headers", "engine", "deployment_id"})

RequestTimeout = float | tuple[float, float] | None


@dataclass(frozen=True)
class LegacyCall:
    """`path`: the OpenAI route (`/chat/completions`, `/completions`, `/embeddings`). `body`: its
    request. `request_timeout`: seconds for each TGI request, as 0.28 applies it. `retry_timeout`:
    0.28's `timeout`, how long `create` keeps retrying `TryAgain`.
    """

    path: str
    body: bytes
    request_timeout: RequestTimeout
    retry_timeout: float | None
    shaper: Shaper
    headers: Mapping[str, str] = field(default_factory=dict)  # the caller's Hugging Face headers

    @classmethod
    def from_arguments(cls, path: str, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> LegacyCall:
        named = {**dict(zip(POSITIONAL, args, strict=False)), **kwargs}
        openai = sdk()
        shaper = Shaper(
            api_key=named.get("api_key") or openai.api_key,
            api_version=named.get("api_version") or openai.api_version,
            organization=named.get("organization") or openai.organization,
            engine=named.get("engine", named.get("deployment_id")),
        )
        body = {name: value for name, value in named.items() if name not in NOT_BODY}
        caller_headers: Mapping[str, str] = named.get("headers") or {}
        headers = {name: value for name, value in caller_headers.items() if name.lower() in HF_CALL_HEADERS}
        request_timeout, retry_timeout = named.get("request_timeout"), named.get("timeout")
        return cls(path, json.dumps(body).encode(), request_timeout, retry_timeout, shaper, headers)

    def open(self, backend: Backend) -> tuple[Exchange, list[UpstreamCall]]:
        """The planned TGI exchange and its requests, with the Hugging Face headers among the caller's
        `headers=`; a request refused before any network call raises InvalidRequestError."""
        exchange = backend.open(self.body, self.path)
        if isinstance(exchange, Reply):
            self.shaper.fail(exchange)
        calls = exchange.calls()
        if exchange.stream and len(calls) > 1:
            message = "Invalid 'n': on openai 0.28, streams of more than one choice are not supported"
            self.shaper.fail(Reply(400, JSON_HEADERS, invalid_request_body(InvalidRequest(message, param="n"))))
        if self.headers:
            calls = [replace(call, headers={**call.headers, **self.headers}) for call in calls]
        return exchange, calls

    def completion(self, exchange: Exchange, answers: Sequence[Answer]) -> Any:
        """The `OpenAIObject` for TGI's answers to `exchange.calls()`, or the exception 0.28 raises instead."""
        return self.shaper.completion(exchange.reply(answers))

    def keep_trying(self, started: float, error: Exception) -> None:
        """0.28's `ChatCompletion`, `Completion` and `Embedding` retry `TryAgain` until their `timeout`
        has passed (forever without one)."""
        if self.retry_timeout is not None and time.time() > started + self.retry_timeout:
            raise error
        log.info("Waiting for model to warm up: %s", error)

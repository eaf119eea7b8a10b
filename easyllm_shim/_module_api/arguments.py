"""One routed 0.28 `create` call: its arguments sorted into the OpenAI request body and the call's options."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .._upstream.endpoint import hf_call_headers
from .objects import Shaper, sdk

log = logging.getLogger("easyllm_shim")

# `EngineAPIResource.create`'s positional parameters, in order.
POSITIONAL = ("api_key", "api_base", "api_type", "request_id", "api_version", "organization")
# What 0.28 consumes itself instead of sending in the body: OpenAI's credentials and endpoint,
# HTTP options, Azure's deployment. None of it is meant for, or sent to, TGI.
NOT_BODY = frozenset({*POSITIONAL, "request_timeout", "timeout", "headers", "engine", "deployment_id"})

RequestTimeout = float | tuple[float, float] | None


@dataclass(frozen=True)
class Arguments:
    """`path`: the OpenAI route (`/chat/completions`, `/completions`, `/embeddings`). `body`: its
    request. `request_timeout`: seconds for each TGI request, as 0.28 applies it. `retry_timeout`:
    0.28's `timeout`, how long `create` keeps retrying `TryAgain`.
    """

    path: str
    body: Mapping[str, Any]
    request_timeout: RequestTimeout
    retry_timeout: float | None
    shaper: Shaper
    headers: Mapping[str, str] = field(default_factory=dict)  # the caller's Hugging Face headers

    @classmethod
    def of(cls, path: str, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Arguments:
        named = {**dict(zip(POSITIONAL, args, strict=False)), **kwargs}
        openai = sdk()
        shaper = Shaper(
            api_key=named.get("api_key") or openai.api_key,
            api_version=named.get("api_version") or openai.api_version,
            organization=named.get("organization") or openai.organization,
            engine=named.get("engine", named.get("deployment_id")),
        )
        body = {name: value for name, value in named.items() if name not in NOT_BODY}
        headers = hf_call_headers((named.get("headers") or {}).items())
        request_timeout, retry_timeout = named.get("request_timeout"), named.get("timeout")
        return cls(path, body, request_timeout, retry_timeout, shaper, headers)

    def keep_trying(self, started: float, error: Exception) -> None:
        """0.28's `ChatCompletion`, `Completion` and `Embedding` retry `TryAgain` until their `timeout`
        has passed (forever without one)."""
        if self.retry_timeout is not None and time.time() > started + self.retry_timeout:
            raise error
        log.info("Waiting for model to warm up: %s", error)

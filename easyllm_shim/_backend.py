"""The TGI side of a routed call: where it goes, with which credentials, and how each answer is shaped.

No I/O here. The transport asks `Backend.open()` for an `Exchange`, sends what it says, and hands
TGI's answer back to it; sync and async transports share all of this.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from ._config import Config
from ._prompts import ChatFormat, resolve_format
from ._translate.chat import DEFAULT_MAX_STOP_SEQUENCES, ChatPlan, CompletionMeta, plan_chat
from ._translate.chat_stream import ChatStreamTranslator
from ._translate.completions import CompletionPlan, CompletionStreamTranslator, plan_completion
from ._translate.embeddings import plan_embedding
from ._translate.errors import InvalidRequest, error_body, invalid_request_body, upstream_error
from ._translate.generation import Answer
from ._translate.responses import ResponsesPlan, plan_responses
from ._translate.responses_stream import ResponsesStreamTranslator
from ._translate.stream import StreamTranslator

__all__ = [
    "HF_CALL_HEADERS",
    "Answer",
    "Backend",
    "Endpoint",
    "Exchange",
    "Plan",
    "Reply",
    "ServerInfo",
    "UpstreamCall",
]

log = logging.getLogger("easyllm_shim")

JSON_HEADERS = [(b"content-type", b"application/json")]
SSE_HEADERS = [(b"content-type", b"text/event-stream"), (b"cache-control", b"no-cache")]
# TGI's own name for "whatever model this server runs" (its Messages API uses it the same way); the
# EasyLLM client sends it when called without a model, meaning "post to api_base itself".
SERVER_MODEL = "tgi"
# TGI's timing and token headers (tgi-protocol.md §1.2) stay visible through `with_raw_response`, and
# the SDK's retries honour a server's Retry-After.
_FORWARDED_PREFIXES = (b"x-", b"retry-after")
# A caller's own headers that mean something to a Hugging Face endpoint (tgi-protocol.md §6) reach it;
# every other header of a call (OpenAI's credentials, a proxy's key, the SDK's own) never does.
HF_CALL_HEADERS = frozenset({"x-wait-for-model", "x-use-cache", "x-hf-bill-to"})


@dataclass(frozen=True, slots=True)
class Endpoint:
    """Where one model's calls go. `compat_route`: POST the URL itself with `stream` in the body."""

    url: str
    compat_route: bool
    headers: Mapping[str, str]

    def target(self, route: str, stream: bool) -> str:
        """The URL for a plan's route: TGI's `/generate(_stream)` or compat route, TEI's `/embed` or the
        serverless feature-extraction pipeline."""
        if route == "embed":
            return self.url + ("/pipeline/feature-extraction" if self.compat_route else "/embed")
        if self.compat_route:
            return self.url
        return self.url + ("/generate_stream" if stream else "/generate")


Headers = list[tuple[bytes, bytes]]


@dataclass(frozen=True, slots=True)
class Reply:
    """An OpenAI-format HTTP answer for the SDK."""

    status: int
    headers: Headers
    content: bytes


def _forwarded(raw_headers: Headers) -> Headers:
    return [(name, value) for name, value in raw_headers if name.lower().startswith(_FORWARDED_PREFIXES)]


@dataclass(frozen=True, slots=True)
class UpstreamCall:
    """One HTTP request to TGI (or TEI)."""

    url: str
    headers: Mapping[str, str]
    body: bytes


class Plan(Protocol):
    """A translated OpenAI request (`_translate/chat.py`, `completions.py`, `embeddings.py`)."""

    @property
    def model(self) -> str: ...
    @property
    def stream(self) -> bool: ...
    @property
    def route(self) -> str: ...  # "generate" or "embed"
    @property
    def id_prefix(self) -> str: ...

    def tgi_bodies(self, *, compat_route: bool) -> list[bytes]: ...

    def reply_body(self, meta: CompletionMeta, answers: Sequence[Answer]) -> bytes: ...


# How each plan's stream is translated; plans that cannot stream have none.
_TRANSLATORS: Mapping[type, Callable[..., StreamTranslator]] = {
    ChatPlan: ChatStreamTranslator,
    CompletionPlan: CompletionStreamTranslator,
    ResponsesPlan: ResponsesStreamTranslator,
}


class Exchange:
    """One OpenAI request on its way through TGI: one upstream call per choice and prompt, to one endpoint."""

    __slots__ = ("endpoint", "meta", "plan")

    def __init__(self, plan: Plan, endpoint: Endpoint, meta: CompletionMeta) -> None:
        self.plan = plan
        self.endpoint = endpoint
        self.meta = meta

    @property
    def stream(self) -> bool:
        return self.plan.stream

    def calls(self) -> list[UpstreamCall]:
        url, headers = self.endpoint.target(self.plan.route, self.plan.stream), self.endpoint.headers
        bodies = self.plan.tgi_bodies(compat_route=self.endpoint.compat_route)
        return [UpstreamCall(url, headers, body) for body in bodies]

    def reply(self, answers: Sequence[Answer]) -> Reply:
        """OpenAI's answer for the complete upstream answers: one per call, in order (or a stream that failed to start).

        The first failed answer becomes the error, as one failed request fails an OpenAI call.
        """
        for status, raw_headers, content in answers:
            if status >= 400:
                body, extra = upstream_error(status, content)
                extra_headers = [(name.encode(), value.encode()) for name, value in extra.items()]
                return Reply(status, JSON_HEADERS + _forwarded(raw_headers) + extra_headers, body)
        try:
            body = self.plan.reply_body(self.meta, answers)
        except (ValueError, KeyError, TypeError, IndexError) as error:  # not what TGI/TEI answers
            message = f"the Hugging Face endpoint answered HTTP 200 with a body the shim cannot read: {error}"
            return Reply(502, JSON_HEADERS, error_body(message, "malformed_response"))
        return Reply(200, JSON_HEADERS + _forwarded(answers[0][1]), body)

    def translator(self) -> StreamTranslator:
        return _TRANSLATORS[type(self.plan)](self.plan, self.meta)

    def translators(self, count: int) -> list[StreamTranslator]:
        """One per TGI stream of a streamed answer: `count` > 1 for `n > 1` chat choices, or text
        completions of several prompts and choices; each names its choice's index."""
        if count == 1:
            return [self.translator()]
        make = _TRANSLATORS[type(self.plan)]
        translators = [make(self.plan, self.meta, index) for index in range(count)]
        for translator in translators:
            translator.as_one_of_many()
        return translators

    def stream_tail(self, translators: Sequence[StreamTranslator]) -> bytes:
        """What follows the last translator's output: the end of a stream of several choices."""
        if len(translators) == 1:
            return b""  # a single translator ends its own stream
        return StreamTranslator.end_of_many(translators, getattr(self.plan, "n", 1))

    def stream_headers(self, raw_headers: Headers) -> Headers:
        return SSE_HEADERS + _forwarded(raw_headers)


@dataclass(frozen=True, slots=True)
class ServerInfo:
    """What a TGI server's `/info` says that shapes requests and answers (tgi-protocol.md §4)."""

    max_stop_sequences: int = DEFAULT_MAX_STOP_SEQUENCES
    system_fingerprint: str | None = None

    @classmethod
    def parse(cls, status: int, content: bytes) -> ServerInfo:
        """From `/info`'s answer; servers without one (proxies, the serverless API) get TGI's defaults."""
        try:
            info = json.loads(content) if status == 200 else {}
        except ValueError:
            info = {}
        if not isinstance(info, dict):
            return cls()
        limit = info.get("max_stop_sequences")
        version = info.get("version")
        # TGI's own Messages API reports `<version>-<docker_label or "native">`.
        fingerprint = f"{version}-{info.get('docker_label') or 'native'}" if isinstance(version, str) else None
        return cls(limit if isinstance(limit, int) and limit >= 0 else DEFAULT_MAX_STOP_SEQUENCES, fingerprint)


_DEFAULT_INFO = ServerInfo()


class Backend:
    """Configuration bound once; resolves each routed request into an `Exchange`."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self._endpoints: dict[str, Endpoint] = {}
        self._info: dict[str, ServerInfo] = {}

    def info_call(self, exchange: Exchange) -> UpstreamCall | None:
        """The `/info` request to make before `exchange` is final, once per TGI server (not for compat
        routes, which have none, nor for embeddings, which TEI serves)."""
        endpoint = exchange.endpoint
        if exchange.plan.route != "generate" or endpoint.compat_route or endpoint.url in self._info:
            return None
        return UpstreamCall(endpoint.url + "/info", endpoint.headers, b"")

    def learn_info(self, exchange: Exchange, status: int, content: bytes) -> None:
        self._info[exchange.endpoint.url] = ServerInfo.parse(status, content)

    def open(self, body: bytes, path: str = "/chat/completions") -> Exchange | Reply:
        """Plan the upstream calls for an OpenAI request (its JSON body and path), or the 400 to answer
        instead, decided before any network call."""
        try:
            request = json.loads(body)
            if not isinstance(request, dict):
                raise InvalidRequest("the request body must be a JSON object")
            model = request.get("model")
            endpoint = self.endpoint(model if isinstance(model, str) else "")
            info = self._info.get(endpoint.url, _DEFAULT_INFO)
            plan = self._plan(path.removeprefix("/v1"), request, info)
        except InvalidRequest as error:
            return Reply(400, JSON_HEADERS, invalid_request_body(error))
        meta = CompletionMeta(
            id=plan.id_prefix + secrets.token_hex(12),
            created=int(time.time()),
            model=plan.model,
            system_fingerprint=info.system_fingerprint,
        )
        if log.isEnabledFor(logging.DEBUG):
            log.debug("routing %s %s to %s: %r", path, plan.model, endpoint.url, getattr(plan, "inputs", None))
        return Exchange(plan, endpoint, meta)

    def _plan(self, route: str, request: dict[str, Any], info: ServerInfo) -> Plan:
        if route == "/chat/completions":
            return plan_chat(request, self._format, max_stop_sequences=info.max_stop_sequences)
        if route == "/completions":
            return plan_completion(request, max_stop_sequences=info.max_stop_sequences)
        if route == "/embeddings":
            return plan_embedding(request)
        if route == "/responses":
            return plan_responses(request, self._format, max_stop_sequences=info.max_stop_sequences)
        raise InvalidRequest(f"the shim cannot translate {route} for Hugging Face models")

    def endpoint(self, model: str) -> Endpoint:
        endpoint = self._endpoints.get(model)
        if endpoint is None:
            endpoint = self._endpoints[model] = self._make_endpoint(model)
        return endpoint

    def _make_endpoint(self, model: str) -> Endpoint:
        base = self.config.base_for(model)
        if base.endswith("/models") and model != SERVER_MODEL:  # serverless: one URL per model, compat route
            url, compat = f"{base}/{model}", True
        else:
            url, compat = base, "/models/" in base
        # `identity` lets the transport read bodies without httpx's decoding layer (see `_transport.read_body`).
        headers = {
            "content-type": "application/json",
            "accept": "application/json, text/event-stream",
            "accept-encoding": "identity",
        }
        token = self.config.credentials.token_for(url)
        if token:
            headers["authorization"] = f"Bearer {token}"
        return Endpoint(url=url, compat_route=compat, headers=headers)

    def _format(self, model: str, call_override: Any) -> ChatFormat:
        config = self.config
        override = call_override or config.prompt_formats.get(model) or config.prompt_format
        try:
            return resolve_format(model, override)
        except (ValueError, TypeError) as error:  # an unknown format name is the caller's mistake
            raise InvalidRequest(f"Invalid 'prompt_format': {error}", param="prompt_format") from error

"""Text Generation Inference's native protocol, sans I/O: one routed call as a flow of I/O steps.

`ask_info()` learns a server's limits and model from `/info` (once per server); `call()` sends one
`/generate` request per choice and prompt (all at once), or opens one `/generate_stream` per choice
and reads up to each stream's first event, so that an error there becomes an HTTP error as OpenAI
would answer it.
`relay()` then turns TGI's events into OpenAI's, choice after choice. TEI's `/embed` and the
serverless API (TGI's compat route, no `/info`) ride the same flow.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable, Generator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from .._translate.chat import ChatPlan, CompletionMeta
from .._translate.chat_stream import ChatStreamTranslator
from .._translate.completions import CompletionPlan, CompletionStreamTranslator
from .._translate.errors import upstream_error
from .._translate.responses import ResponsesPlan
from .._translate.responses_stream import ResponsesStreamTranslator
from .._translate.stream import StreamTranslator
from .endpoint import SERVER_MODEL, Endpoint
from .limits import MALFORMED_HEADERS, malformed, unreadable
from .steps import (
    CLOSE,
    Answer,
    CloseOne,
    Flow,
    Head,
    Headers,
    Open,
    ReadAll,
    Reply,
    Request,
    Send,
    Step,
    Streaming,
    read,
)

JSON_HEADERS = [(b"content-type", b"application/json")]
SSE_HEADERS = [(b"content-type", b"text/event-stream"), (b"cache-control", b"no-cache")]
# TGI's timing and token headers (`x-compute-time`, `x-prompt-tokens`, …) stay visible through
# `with_raw_response`, and the SDK's retries honour a server's Retry-After.
_FORWARDED_PREFIXES = (b"x-", b"retry-after")
# TGI's launcher default, for servers that do not say (the serverless API, proxies without `/info`).
DEFAULT_MAX_STOP_SEQUENCES = 4


class Plan(Protocol):
    """A translated OpenAI request (`_translate/chat.py`, `completions.py`, `embeddings.py`, `responses.py`)."""

    @property
    def model(self) -> str: ...
    @property
    def stream(self) -> bool: ...
    @property
    def task(self) -> str: ...  # "generate" or "embed"
    @property
    def id_prefix(self) -> str: ...

    def tgi_bodies(self, *, serverless: bool, max_stop_sequences: int) -> list[bytes]: ...

    def reply_body(self, meta: CompletionMeta, answers: Sequence[Answer]) -> bytes: ...


# How each plan's stream is translated; plans that cannot stream have none.
_TRANSLATORS: Mapping[type, Callable[..., StreamTranslator]] = {
    ChatPlan: ChatStreamTranslator,
    CompletionPlan: CompletionStreamTranslator,
    ResponsesPlan: ResponsesStreamTranslator,
}


@dataclass(frozen=True, slots=True)
class ServerInfo:
    """What a TGI server's `/info` says that shapes requests and answers."""

    max_stop_sequences: int = DEFAULT_MAX_STOP_SEQUENCES
    system_fingerprint: str | None = None
    model_id: str | None = None

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
        model_id = info.get("model_id")
        return cls(
            limit if isinstance(limit, int) and limit >= 0 else DEFAULT_MAX_STOP_SEQUENCES,
            fingerprint,
            model_id if isinstance(model_id, str) and model_id else None,
        )

    def serves(self, model: str) -> bool:
        """Whether `model` is what the server runs: its id, or (a server started on a local copy,
        `--model-id /data/Llama-2-7b-chat-hf`) the same name; servers that do not say serve anything."""
        served = self.model_id
        if served is None or model == SERVER_MODEL:
            return True
        if served.startswith(("/", ".")):
            return served.rstrip("/").rsplit("/", 1)[-1].casefold() == model.rsplit("/", 1)[-1].casefold()
        return served.casefold() == model.casefold()


DEFAULT_INFO = ServerInfo()


def needs_info(task: str, endpoint: Endpoint) -> bool:
    """TGI servers have `/info`; TEI (embeddings, task "embed") and the serverless API do not."""
    return task == "generate" and not endpoint.serverless


def ask_info(endpoint: Endpoint) -> Generator[Step, Any, Answer]:
    """The flow that asks a TGI server about itself (once per server: its answer is kept)."""
    [answer] = yield Send((Request("GET", endpoint.at("/info"), endpoint.headers),))
    return answer  # type: ignore[no-any-return]


def call(plan: Plan, endpoint: Endpoint, info: ServerInfo, model: str) -> Flow:
    """The flow of one planned call; `info` is what the server said about itself, `model` the one that serves."""
    meta = CompletionMeta(
        id=plan.id_prefix + secrets.token_hex(12),
        created=int(time.time()),
        model=model,
        system_fingerprint=info.system_fingerprint,
    )
    url, headers = endpoint.url_for(plan.task, plan.stream), endpoint.headers
    bodies = plan.tgi_bodies(serverless=endpoint.serverless, max_stop_sequences=info.max_stop_sequences)
    requests = [Request("POST", url, headers, body) for body in bodies]
    if not plan.stream:
        return reply(plan, meta, (yield Send(requests)))
    heads: list[Head] = yield Open(requests)  # all at once: TGI generates the choices concurrently
    if (refusal := next(filter(None, (unreadable(headers) for _, headers in heads)), None)) is not None:
        yield CLOSE
        return refusal
    refused = next((index for index, (status, _) in enumerate(heads) if status != 200), None)
    if refused is not None:
        content = yield ReadAll(refused)
        yield CLOSE
        return reply(plan, meta, [(*heads[refused], content)])
    translators = stream_translators(plan, meta, len(requests))
    firsts: list[bytes] = []
    for index, translator in enumerate(translators):
        first = b""
        while not first and translator.early_error is None:
            chunk = yield read(index)
            if not chunk:  # TGI closed the stream before its first event
                first += translator.finish()
                break
            first += translator.feed(chunk)
        if translator.early_error is not None:
            yield CLOSE
            status, body = translator.early_error
            return Reply(status, MALFORMED_HEADERS if status == 502 else JSON_HEADERS, body)
        firsts.append(first)
    return Streaming(SSE_HEADERS + _forwarded(heads[0][1]), relay(translators, firsts, _tail(plan, translators)))


def relay(
    translators: Sequence[StreamTranslator], firsts: Sequence[bytes], tail: Callable[[], bytes]
) -> Generator[bytes | Step, Any, None]:
    """The rest of a started stream: each choice's TGI events as OpenAI's, one choice after the other."""
    for index, (translator, first) in enumerate(zip(translators, firsts, strict=True)):
        if first:
            yield first
        step = read(index)
        # Once the translator has closed (TGI's final event, or a stop string), nothing more is read:
        # what is complete goes out at once, whatever the server does with its connection after.
        while not translator.closed:
            chunk = yield step
            if not chunk:  # TGI's response ended
                if out := translator.finish():
                    yield out
                break
            if out := translator.feed(chunk):
                yield out
        yield CloseOne(index)  # a choice cut at a stop string: TGI stops generating it
        if translator.failed:
            return
    if end := tail():
        yield end


def stream_translators(plan: Plan, meta: CompletionMeta, count: int) -> list[StreamTranslator]:
    """One per TGI stream: `count` > 1 for `n > 1` chat choices, or text completions of several prompts
    and choices; each names its choice's index, and the end of the stream comes once, after the last."""
    make = _TRANSLATORS[type(plan)]
    if count == 1:
        return [make(plan, meta)]
    translators = [make(plan, meta, index) for index in range(count)]
    for translator in translators:
        translator.as_one_of_many()
    return translators


def _tail(plan: Plan, translators: Sequence[StreamTranslator]) -> Callable[[], bytes]:
    if len(translators) == 1:
        return lambda: b""  # a single translator ends its own stream
    return lambda: StreamTranslator.end_of_many(translators, getattr(plan, "n", 1))


def reply(plan: Plan, meta: CompletionMeta, answers: Sequence[Answer]) -> Reply:
    """OpenAI's answer for the complete upstream answers: one per request, in order.

    The first failed answer becomes the error, as one failed request fails an OpenAI call. Only a 200
    is an answer: a redirect (never followed: it would carry the prompt and token elsewhere), a 201 or
    a 204 is malformed.
    """
    for status, raw_headers, content in answers:
        if (refusal := unreadable(raw_headers, len(content))) is not None:
            return refusal
        if status >= 400:
            body, extra = upstream_error(status, content)
            extra_headers = [(name.encode(), value.encode()) for name, value in extra.items()]
            return Reply(status, JSON_HEADERS + _forwarded(raw_headers) + extra_headers, body)
        if status != 200:
            return malformed(f"the Hugging Face endpoint answered HTTP {status}, which is not an answer")
    try:
        body = plan.reply_body(meta, answers)
    except (ValueError, KeyError, TypeError, IndexError, AttributeError) as error:  # not what TGI/TEI answers
        return malformed(f"the Hugging Face endpoint answered HTTP 200 with a body the shim cannot read: {error}")
    return Reply(200, JSON_HEADERS + _forwarded(answers[0][1]), body)


def _forwarded(raw_headers: Headers) -> Headers:
    return [(name, value) for name, value in raw_headers if name.lower().startswith(_FORWARDED_PREFIXES)]


__all__ = ["DEFAULT_INFO", "JSON_HEADERS", "Plan", "ServerInfo", "Step", "ask_info", "call", "needs_info", "reply"]

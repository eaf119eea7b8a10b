"""Canned transports: the client's whole code path without a socket, to measure pure client CPU.

The answers are real bytes, recorded once from an in-process `TGIServer` for the very requests the
benchmark makes, and replayed by an httpx(2) `MockTransport` on the client. The shim sends TGI
traffic through the caller's own connection pool, so a routed client built with
`http_client=Client(transport=...)` gets its TGI answers from the canned transport too. Streams are
replayed one SSE event per read, as a paced TGI delivers them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, replace
from types import ModuleType
from typing import Any

from easyllm_shim._client_api.http import sdk_default
from easyllm_shim.testing import TGIServer

Headers = list[tuple[str, str]]
_KEPT_HEADERS = ("content-type", "x-prompt-tokens", "x-generated-tokens")


@dataclass(frozen=True)
class Recorded:
    status: int
    headers: Headers
    events: tuple[bytes, ...]  # the body, split after each SSE event (one piece for plain answers)


@dataclass(frozen=True)
class Recording:
    """What a TGI server answered on each route the benchmark uses."""

    info: Recorded
    generate: Recorded
    generate_stream: Recorded
    chat: Recorded
    chat_stream: Recorded
    shim_chat: Recorded | None = None  # the shim's own answers, served to Messages API calls for model "shim"
    shim_chat_stream: Recorded | None = None


def _split_events(body: bytes) -> tuple[bytes, ...]:
    pieces = body.split(b"\n\n")
    events = [piece + b"\n\n" for piece in pieces[:-1]]
    return (*events, pieces[-1]) if pieces[-1] else tuple(events)


def _record(http: Any, method: str, path: str, body: Any = None) -> Recorded:
    response = http.request(method, path, json=body)
    headers = [(name, value) for name, value in response.headers.items() if name.lower() in _KEPT_HEADERS]
    streamed = response.headers.get("content-type", "").startswith("text/event-stream")
    events = _split_events(response.content) if streamed else (response.content,)
    return Recorded(response.status_code, headers, events)


def record(model: str, reply: str, prompt: str, messages: list[dict[str, str]], max_tokens: int | None) -> Recording:
    """Ask an in-process TGI stand-in once per route, with what the shim and the SDK would send."""
    http_package = sdk_default()
    parameters: dict[str, Any] = {"details": True, "return_full_text": False, "do_sample": True}
    chat: dict[str, Any] = {"model": model, "messages": messages}
    if max_tokens is not None:
        parameters["max_new_tokens"] = chat["max_tokens"] = max_tokens
    server = TGIServer(model_id=model, reply=reply, max_total_tokens=8192, max_input_tokens=8000)
    with server, http_package.Client(base_url=server.url, timeout=60) as http:
        return Recording(
            info=_record(http, "GET", "/info"),
            generate=_record(http, "POST", "/generate", {"inputs": prompt, "parameters": parameters}),
            generate_stream=_record(http, "POST", "/generate_stream", {"inputs": prompt, "parameters": parameters}),
            chat=_record(http, "POST", "/v1/chat/completions", chat),
            chat_stream=_record(http, "POST", "/v1/chat/completions", {**chat, "stream": True}),
        )


def with_shim_answers(recording: Recording, plain: bytes, streamed: bytes) -> Recording:
    """`recording`, also answering the shim's own output to Messages API calls for model "shim"."""
    chat = Recorded(200, [("content-type", "application/json")], (plain,))
    chat_stream = Recorded(200, [("content-type", "text/event-stream")], _split_events(streamed))
    return replace(recording, shim_chat=chat, shim_chat_stream=chat_stream)


def _stream_class(http: ModuleType) -> Any:
    class Events(http.SyncByteStream, http.AsyncByteStream):  # type: ignore[misc,name-defined]
        def __init__(self, events: tuple[bytes, ...]) -> None:
            self._events = events

        def __iter__(self) -> Iterator[bytes]:
            return iter(self._events)

        async def __aiter__(self) -> AsyncIterator[bytes]:
            for event in self._events:
                yield event

    return Events


def replay(recording: Recording, *, tgi: bool) -> Any:
    """A `MockTransport` answering as TGI's native routes (`tgi=True`) or as its Messages API."""
    http = sdk_default()
    events_class = _stream_class(http)

    def respond(recorded: Recorded) -> Any:
        return http.Response(recorded.status, headers=recorded.headers, stream=events_class(recorded.events))

    def handler(request: Any) -> Any:
        request.read()
        path = request.url.path
        if tgi and path == "/info":
            return respond(recording.info)
        if tgi and path in ("/generate", "/generate_stream"):
            return respond(recording.generate_stream if path.endswith("_stream") else recording.generate)
        if not tgi and path.endswith("/chat/completions"):
            body = request.content.replace(b" ", b"")
            streamed = b'"stream":true' in body
            if b'"model":"shim"' in body and recording.shim_chat and recording.shim_chat_stream:
                return respond(recording.shim_chat_stream if streamed else recording.shim_chat)
            return respond(recording.chat_stream if streamed else recording.chat)
        return http.Response(404)

    return http.MockTransport(handler)


def client(recording: Recording, *, tgi: bool) -> Any:
    """A sync HTTP client of the package the installed openai SDK builds on (httpx2 for openai 3)."""
    return sdk_default().Client(transport=replay(recording, tgi=tgi))

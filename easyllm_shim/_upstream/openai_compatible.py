"""The OpenAI protocol, sans I/O, for servers that speak it (vLLM, SGLang, TGI's Messages API, Hugging Face's
router, Ollama, llama.cpp's server): the SDK's request goes to `{base}{path}` as the SDK built it, and the
server's answer (success, error, or event stream) comes back to the SDK as it is.

Only the credentials change: the endpoint's headers (the Hugging Face token where one applies), never
the caller's OpenAI key. The prompt is the server's to build, with the model's own chat template.
"""

from __future__ import annotations

import json
from collections.abc import Generator, Mapping
from typing import Any, Protocol

from .._telemetry.provider import HEADER, served_by
from .endpoint import Endpoint
from .steps import CLOSE, CloseOne, Flow, Headers, Open, ReadAll, Reply, Request, Send, Step, Streaming, read

# Headers of the server's answer that describe its bytes on the wire, which the driver has already undone.
_HOP_BY_HOP = frozenset({b"content-length", b"transfer-encoding", b"connection", b"keep-alive", b"content-encoding"})
# The shim's own request field: for servers that build the prompt from the model's template, it means nothing.
_SHIM_FIELDS = ("prompt_format",)


class StreamEdit(Protocol):
    """Rewrites a server's event stream on its way to the SDK (a server whose events differ from OpenAI's)."""

    def feed(self, chunk: bytes) -> bytes: ...
    def finish(self) -> bytes: ...


def call(path: str, body: Mapping[str, Any], endpoint: Endpoint, edit: StreamEdit | None = None) -> Flow:
    """The flow of one OpenAI request (its path, as `/chat/completions`, and body) to an OpenAI-compatible server;
    `edit`, if given, rewrites its event stream."""
    if any(name in body for name in _SHIM_FIELDS):
        body = {name: value for name, value in body.items() if name not in _SHIM_FIELDS}
    request = Request("POST", endpoint.at(path), endpoint.headers, json.dumps(body).encode())
    if not body.get("stream"):
        [(status, headers, content)] = yield Send((request,))
        _note_provider(headers)
        return Reply(status, _kept(headers), content)
    [(status, headers)] = yield Open((request,))
    _note_provider(headers)
    if status != 200:  # refused before streaming: an HTTP error, as the server sent it
        content = yield ReadAll(0)
        yield CLOSE
        return Reply(status, _kept(headers), content)
    return Streaming(_kept(headers), relay() if edit is None else edited(edit))


def relay() -> Generator[bytes | Step, Any, None]:
    """The server's event stream, byte for byte: it already is OpenAI's."""
    step = read(0)
    while chunk := (yield step):
        yield chunk
    yield CloseOne(0)


def edited(edit: StreamEdit) -> Generator[bytes | Step, Any, None]:
    step = read(0)
    while chunk := (yield step):
        if out := edit.feed(chunk):
            yield out
    yield CloseOne(0)
    if out := edit.finish():
        yield out


def _kept(headers: Headers) -> Headers:
    return [(name, value) for name, value in headers if name.lower() not in _HOP_BY_HOP]


def _note_provider(headers: Headers) -> None:
    """Hugging Face's router names the provider that served; the event log records it."""
    for name, value in headers:
        if name.lower() == HEADER:
            served_by.set(value.decode("latin-1"))
            return

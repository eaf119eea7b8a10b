"""TGI `/generate_stream` events → OpenAI `chat.completion.chunk` server-sent events, incrementally."""

from __future__ import annotations

import json
from typing import Any

from .chat import ChatPlan, CompletionMeta, finish_reason, usage
from .errors import STREAM_ERROR_STATUS, error_body, stream_error_frame, tgi_error_fields
from .logprobs import token_logprob
from .sse import SSEDecoder
from .stops import StopScanner, cut_at_stop
from .structured import tool_message

_DONE = b"data: [DONE]\n\n"
_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


class ChatStreamTranslator:
    """Feed TGI's SSE bytes, get OpenAI's SSE bytes back. No I/O: both transports drive it.

    Until the first token the translator only watches: a TGI error arriving first (TGI reports even
    validation errors inside its 200 stream) is kept in `early_error` for the transport to answer
    with a real HTTP error instead of a stream. With tools, the answer is a tool call that only
    exists once complete, so it is sent as one delta when TGI's final event arrives.
    """

    def __init__(self, plan: ChatPlan, meta: CompletionMeta) -> None:
        self._decoder = SSEDecoder()
        self._stops = StopScanner(() if plan.tools else plan.stops)
        self._plan = plan
        self._meta = meta
        self._started = False
        self._finished = False  # the finish chunk went out
        self._closed = False  # [DONE] went out; TGI's remaining bytes are ignored
        self._complete = False  # TGI's final event arrived
        self._first_text = True
        self._tool_text: list[str] = []
        self._logprobs: list[dict[str, Any]] = []
        self.early_error: tuple[int, bytes] | None = None
        header = {"id": meta.id, "object": "chat.completion.chunk", "created": meta.created, "model": meta.model}
        if meta.system_fingerprint is not None:
            header["system_fingerprint"] = meta.system_fingerprint
        self._head = b"data: " + _encode(header)[:-1].encode()
        self._choice_prefix = self._head + b',"choices":[{"index":0,"delta":'
        self._tail = b',"usage":null}\n\n' if plan.include_usage else b"}\n\n"

    @property
    def started(self) -> bool:
        return self._started

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def upstream_complete(self) -> bool:
        return self._complete

    def feed(self, chunk: bytes) -> bytes:
        if self._closed:
            return b""
        out: list[bytes] = []
        for data in self._decoder.feed(chunk):
            self._on_event(data, out)
            if self._closed or self.early_error:
                break
        return b"".join(out)

    def finish(self) -> bytes:
        """TGI closed the connection. Without its final event the answer is incomplete: say so, never truncate."""
        out: list[bytes] = []
        for data in self._decoder.flush():
            self._on_event(data, out)
        if not self._closed and not self.early_error:
            message = "Incomplete generation: the TGI stream ended before its final event"
            if self._started:
                out.append(stream_error_frame(message, "incomplete_generation_stream"))
                self._closed = True
            else:
                self.early_error = (500, error_body(message, "incomplete_generation_stream"))
        return b"".join(out)

    def _chunk(self, delta: bytes, reason: str | None = None, logprobs: bytes = b"null") -> bytes:
        finish = b"null" if reason is None else b'"' + reason.encode() + b'"'
        return (
            self._choice_prefix
            + delta
            + b',"logprobs":'
            + logprobs
            + b',"finish_reason":'
            + finish
            + b"}]"
            + self._tail
        )

    def _on_event(self, data: bytes, out: list[bytes]) -> None:
        if data == b"[DONE]":
            return
        event: dict[str, Any] = json.loads(data)
        error = tgi_error_fields(event)
        if error is not None:
            message, type_, extra = error
            if not self._started:
                self.early_error = (STREAM_ERROR_STATUS.get(type_, 500), error_body(message, type_, **extra))
            else:
                out.append(stream_error_frame(message, type_))
                self._closed = True
            return
        if not self._started:
            self._started = True
            out.append(self._chunk(b'{"role":"assistant","content":""}'))
        token = event.get("token")
        if token is not None and not token.get("special") and not self._finished:
            self._on_token(token, event.get("top_tokens"), out)
        if event.get("generated_text") is not None:
            self._on_final(event.get("details") or {}, out)

    def _on_token(self, token: dict[str, Any], top: Any, out: list[bytes]) -> None:
        if self._plan.tools is not None:
            self._tool_text.append(token["text"])
            return
        if self._plan.logprobs:
            self._logprobs.append(token_logprob(token, top, first=self._first_text and not self._logprobs))
        self._emit_text(self._stops.push(token["text"]), out)
        if self._stops.stopped:
            self._emit_finish("stop", out)

    def _on_final(self, details: dict[str, Any], out: list[bytes]) -> None:
        self._complete = True
        if not self._finished:
            if self._plan.tools is not None:
                self._emit_tool_answer(out)
            else:
                self._emit_text(self._stops.flush(), out)
                self._emit_finish(finish_reason(details.get("finish_reason"), cut=False), out)
        if self._plan.include_usage:
            counts = usage(int(details.get("input_length") or 0), int(details.get("generated_tokens") or 0))
            out.append(self._head + b',"choices":[],"usage":' + _encode(counts).encode() + b"}\n\n")
            out.append(_DONE)
            self._closed = True

    def _emit_tool_answer(self, out: list[bytes]) -> None:
        text, _ = cut_at_stop("".join(self._tool_text), self._plan.stops)
        message, reason = tool_message(text, self._meta.tool_call_id)
        if message.get("tool_calls"):
            calls = [{"index": 0, **call} for call in message["tool_calls"]]
            out.append(self._chunk(b'{"tool_calls":' + _encode(calls).encode() + b"}"))
        elif message["content"]:
            out.append(self._chunk(b'{"content":' + _encode(message["content"]).encode() + b"}"))
        self._emit_finish(reason, out)

    def _emit_text(self, text: str, out: list[bytes]) -> None:
        if self._first_text and text:
            self._first_text = False
            text = text[1:] if text.startswith(" ") else text
        if text:
            logprobs = b"null"
            if self._logprobs:
                logprobs = b'{"content":' + _encode(self._logprobs).encode() + b',"refusal":null}'
                self._logprobs = []
            out.append(self._chunk(b'{"content":' + _encode(text).encode() + b"}", logprobs=logprobs))

    def _emit_finish(self, reason: str, out: list[bytes]) -> None:
        self._finished = True
        out.append(self._chunk(b"{}", reason))
        if not self._plan.include_usage:
            # Nothing more to say; the transport stops reading and TGI's generation is cancelled.
            out.append(_DONE)
            self._closed = True

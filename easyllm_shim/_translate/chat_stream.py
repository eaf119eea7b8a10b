"""Chat streams: `chat.completion.chunk` events, with logprobs per token and tool calls as deltas."""

from __future__ import annotations

from typing import Any

from .chat import ChatPlan, CompletionMeta
from .logprobs import token_logprob
from .stops import cut_at_stop
from .stream import StreamTranslator, encode
from .structured import tool_message


class ChatStreamTranslator(StreamTranslator):
    """With tools, the answer is a tool call that only exists once complete, so it is sent as one delta
    when TGI's final event arrives; stop strings are then cut from the whole answer."""

    def __init__(self, plan: ChatPlan, meta: CompletionMeta, index: int = 0) -> None:
        super().__init__(() if plan.tools else plan.stops, include_usage=plan.include_usage, strip_first_space=True)
        self._plan = plan
        self._meta = meta
        self._index = index
        self._tool_text: list[str] = []
        self._logprobs: list[dict[str, Any]] = []
        header = {"id": meta.id, "object": "chat.completion.chunk", "created": meta.created, "model": meta.model}
        if meta.system_fingerprint is not None:
            header["system_fingerprint"] = meta.system_fingerprint
        self._head = b"data: " + encode(header)[:-1].encode()
        self._choice_prefix = self._head + b',"choices":[{"index":%d,"delta":' % index
        self._tail = b',"usage":null}\n\n' if plan.include_usage else b"}\n\n"

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

    def _start_chunk(self) -> bytes:
        return self._chunk(b'{"role":"assistant","content":""}')

    def _text_chunk(self, text: str) -> bytes:
        logprobs = b"null"
        if self._logprobs:
            logprobs = b'{"content":' + encode(self._logprobs).encode() + b',"refusal":null}'
            self._logprobs = []
        return self._chunk(b'{"content":' + encode(text).encode() + b"}", logprobs=logprobs)

    def _finish_chunk(self, reason: str) -> bytes:
        return self._chunk(b"{}", reason)

    def _usage_chunk(self, counts: dict[str, int]) -> bytes:
        return self._head + b',"choices":[],"usage":' + encode(counts).encode() + b"}\n\n"

    def _on_token(self, token: dict[str, Any], top: Any, out: list[bytes]) -> None:
        if self._plan.tools is not None:
            self._tool_text.append(token["text"])
            return
        if self._plan.logprobs:
            self._logprobs.append(token_logprob(token, top, first=self._first_text and not self._logprobs))
        super()._on_token(token, top, out)

    def _finish_answer(self, details: dict[str, Any], out: list[bytes]) -> None:
        if self._plan.tools is None:
            super()._finish_answer(details, out)
            return
        text, _ = cut_at_stop("".join(self._tool_text), self._plan.stops)
        call_id = self._meta.tool_call_id if self._index == 0 else f"{self._meta.tool_call_id}_{self._index}"
        message, reason = tool_message(text, call_id, details.get("finish_reason"))
        if message.get("tool_calls"):
            calls = [{"index": 0, **call} for call in message["tool_calls"]]
            out.append(self._chunk(b'{"tool_calls":' + encode(calls).encode() + b"}"))
        elif message["content"]:
            out.append(self._chunk(b'{"content":' + encode(message["content"]).encode() + b"}"))
        self._emit_finish(reason, out)

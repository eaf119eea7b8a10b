"""Responses API streams: TGI's token events → OpenAI's typed Responses events, in OpenAI's order.

`response.created`, `response.in_progress`, `response.output_item.added` and
`response.content_part.added` open the stream; each text piece is a `response.output_text.delta`;
`response.output_text.done`, `response.content_part.done` and `response.output_item.done` close the
message, and `response.completed` (or `response.incomplete` after the token limit, as OpenAI sends)
ends the stream with the whole `Response` and its usage. There is no `[DONE]`.

With function tools the answer is a call only once complete (as on the chat route), so its items
come together at the end: `response.output_item.added`, `response.function_call_arguments.delta`
and `.done`, `response.output_item.done` per call (or the message events, for a text answer).
"""

from __future__ import annotations

from typing import Any

from .chat import CompletionMeta
from .responses import (
    ResponsesPlan,
    function_call_item,
    message_id,
    message_item,
    output_text,
    response_object,
    response_status,
    response_usage,
)
from .stops import cut_at_stop
from .stream import StreamTranslator, encode
from .structured import tool_message


class ResponsesStreamTranslator(StreamTranslator):
    """Every frame is `event: <type>` plus its JSON, numbered by `sequence_number` from 0.

    The terminal event carries usage, which only TGI's final event knows, so the translator reads
    to it even after a stop string ended the text (`include_usage`).
    """

    end_frame = b""

    def __init__(self, plan: ResponsesPlan, meta: CompletionMeta) -> None:
        tools = plan.chat.tools is not None
        super().__init__(() if tools else plan.chat.stops, include_usage=True, strip_first_space=True)
        self._plan = plan
        self._meta = meta
        self._sequence = 0
        self._text: list[str] = []
        self._tool_text: list[str] | None = [] if tools else None  # a tool answer, read whole
        self._output: list[dict[str, Any]] | None = None  # the items, once a tool answer is decided
        self._status = "completed"
        self._part = {"item_id": message_id(meta), "output_index": 0, "content_index": 0}

    def _event(self, type_: str, **fields: Any) -> bytes:
        data = {"type": type_, **fields, "sequence_number": self._sequence}
        self._sequence += 1
        return b"event: " + type_.encode() + b"\ndata: " + encode(data).encode() + b"\n\n"

    def _response(self, status: str, output: list[dict[str, Any]], usage: dict[str, Any] | None) -> dict[str, Any]:
        return response_object(self._plan, self._meta, status=status, output=output, usage=usage)

    def _start_chunk(self) -> bytes:
        started = self._response("in_progress", [], None)
        opening = self._event("response.created", response=started) + self._event(
            "response.in_progress", response=started
        )
        return opening if self._tool_text is not None else opening + self._message_opening()

    def _message_opening(self) -> bytes:
        item = message_item(self._meta, None, "in_progress")
        return self._event("response.output_item.added", output_index=0, item=item) + self._event(
            "response.content_part.added", **self._part, part=output_text("")
        )

    def _on_token(self, token: dict[str, Any], top: Any, out: list[bytes]) -> None:
        if self._tool_text is not None:
            self._tool_text.append(token["text"])
        else:
            super()._on_token(token, top, out)

    def _finish_answer(self, details: dict[str, Any], out: list[bytes]) -> None:
        if self._tool_text is None:
            super()._finish_answer(details, out)
            return
        self._finished = True
        text, _ = cut_at_stop("".join(self._tool_text), self._plan.chat.stops)
        message, reason = tool_message(text, self._meta.tool_call_id, details.get("finish_reason"))
        self._status = response_status(reason)
        calls = message.get("tool_calls") or []
        for index, call in enumerate(calls):
            item = function_call_item(self._meta, call, index, "in_progress")
            where = {"item_id": item["id"], "output_index": index}
            arguments = item["arguments"]
            out.append(self._event("response.output_item.added", output_index=index, item={**item, "arguments": ""}))
            out.append(self._event("response.function_call_arguments.delta", **where, delta=arguments))
            out.append(
                self._event("response.function_call_arguments.done", **where, arguments=arguments, name=item["name"])
            )
            out.append(
                self._event("response.output_item.done", output_index=index, item={**item, "status": "completed"})
            )
        if calls:
            self._output = [
                function_call_item(self._meta, call, index, "completed") for index, call in enumerate(calls)
            ]
            return
        out.append(self._message_opening())
        if message["content"]:
            out.append(self._text_chunk(message["content"]))
        out.append(self._finish_chunk(reason))

    def _text_chunk(self, text: str) -> bytes:
        self._text.append(text)
        return self._event("response.output_text.delta", **self._part, delta=text, logprobs=[])

    def _finish_chunk(self, reason: str) -> bytes:
        self._status = response_status(reason)
        text = "".join(self._text)
        return b"".join(
            (
                self._event("response.output_text.done", **self._part, text=text, logprobs=[]),
                self._event("response.content_part.done", **self._part, part=output_text(text)),
                self._event("response.output_item.done", output_index=0, item=self._item()),
            )
        )

    def _usage_chunk(self, counts: dict[str, int]) -> bytes:
        usage = response_usage(counts["prompt_tokens"], counts["completion_tokens"])
        response = self._response(self._status, self._items(), usage)
        return self._event(f"response.{self._status}", response=response)

    def _item(self) -> dict[str, Any]:
        return message_item(self._meta, "".join(self._text), self._status)

    def _items(self) -> list[dict[str, Any]]:
        return self._output if self._output is not None else [self._item()]

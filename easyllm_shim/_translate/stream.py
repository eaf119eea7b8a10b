"""TGI `/generate_stream` events → OpenAI server-sent events, incrementally: what every route shares.

`StreamTranslator` decodes TGI's SSE, turns a first-event error into an HTTP error, cuts stop
strings, and ends with a finish chunk, an optional usage chunk and `[DONE]`; subclasses only say
what a chunk looks like (chat: `chat_stream.py`; completions: `completions.py`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from .errors import STREAM_ERROR_STATUS, error_body, stream_error_frame, tgi_error_fields
from .generation import count, reason
from .params import finish_reason, usage
from .sse import SSEDecoder, SSEError
from .stops import StopScanner

DONE = b"data: [DONE]\n\n"
encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


class StreamTranslator:
    """Feed TGI's SSE bytes, get OpenAI's SSE bytes back. No I/O: both transports drive it.

    Until the first token the translator only watches: a TGI error arriving first (TGI reports even
    validation errors inside its 200 stream) is kept in `early_error` for the transport to answer
    with a real HTTP error instead of a stream.
    """

    # The frame that ends a stream. The Responses API's streams end with their own terminal event
    # and no `[DONE]`, so its translator sets this to b"".
    end_frame: bytes = DONE

    def __init__(self, stops: tuple[str, ...], *, include_usage: bool, strip_first_space: bool) -> None:
        self._decoder = SSEDecoder()
        self._stops = StopScanner(stops)
        self._include_usage = include_usage
        self._strip_first_space = strip_first_space
        self._started = False
        self._finished = False  # the finish chunk went out
        self._closed = False  # [DONE] went out; TGI's remaining bytes are ignored
        self._complete = False  # TGI's final event arrived
        self._first_text = True
        self._reports_usage = include_usage
        self.early_error: tuple[int, bytes] | None = None
        self.failed = False  # an error frame went out
        self.counts: dict[str, int] | None = None  # TGI's token counts, once its final event arrived

    def as_one_of_many(self) -> None:
        """This translator streams one of several choices: the usage chunk and the end frame come once,
        after the last choice (`end_of_many`), and its token counts are kept for them."""
        self._reports_usage = False
        self.end_frame = b""

    @staticmethod
    def end_of_many(translators: Sequence[StreamTranslator], choices_per_prompt: int) -> bytes:
        """What ends a stream of several choices once each has finished: the usage chunk when asked
        for (each prompt counted once, completion tokens summed, as OpenAI counts them), then `[DONE]`."""
        if any(translator.failed for translator in translators):
            return b""  # the error frame ended the stream
        first = translators[0]
        if not first._include_usage:
            return DONE
        counts = [translator.counts or usage(0, 0) for translator in translators]
        prompt_tokens = sum(count["prompt_tokens"] for count in counts[::choices_per_prompt])
        total = usage(prompt_tokens, sum(count["completion_tokens"] for count in counts))
        return first._usage_chunk(total) + DONE

    # What a chunk looks like, per route.
    def _start_chunk(self) -> bytes | None:
        return None

    def _text_chunk(self, text: str) -> bytes:
        raise NotImplementedError

    def _finish_chunk(self, reason: str) -> bytes:
        raise NotImplementedError

    def _usage_chunk(self, counts: dict[str, int]) -> bytes:
        raise NotImplementedError

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
        try:
            events = self._decoder.feed(chunk)
        except SSEError as error:
            self._fail(str(error), "malformed_event", {}, out)
            return b"".join(out)
        for data in events:
            self._on_event(data, out)
            if self._closed or self.early_error:
                break
        return b"".join(out)

    def finish(self) -> bytes:
        """TGI closed the connection. Without its final event the answer is incomplete: say so, never truncate."""
        out: list[bytes] = []
        try:
            events = self._decoder.flush()
        except SSEError as error:
            events = []
            self._fail(str(error), "malformed_event", {}, out)
        for data in events:
            self._on_event(data, out)
        if not self._closed and not self.early_error:
            message = "Incomplete generation: the TGI stream ended before its final event"
            if self._started:
                out.append(stream_error_frame(message, "incomplete_generation_stream"))
                self._closed = self.failed = True
            else:
                self.early_error = (500, error_body(message, "incomplete_generation_stream"))
        return b"".join(out)

    def _on_event(self, data: bytes, out: list[bytes]) -> None:
        if data == b"[DONE]":
            return
        try:
            event: Any = json.loads(data)
            if not isinstance(event, dict):
                raise ValueError("not a JSON object")
            error = tgi_error_fields(event)
            if error is not None:
                message, type_, extra = error
                self._fail(message, type_, extra, out)
                return
            self._on_tgi_event(event, out)
        except (ValueError, TypeError, KeyError, AttributeError, IndexError) as error:
            # Skipping it could drop text from the answer: fail loudly instead.
            message = f"TGI sent a malformed stream event ({error}): {data[:200]!r}"
            self._fail(message, "malformed_event", {}, out)

    def _on_tgi_event(self, event: dict[str, Any], out: list[bytes]) -> None:
        """One event of TGI's stream; a value of the wrong shape raises (`_on_event` fails the stream)."""
        token = event.get("token")
        if token is not None and token["text"].__class__ is not str:
            raise TypeError(f"token.text is {token['text']!r:.100}, not text")
        if not self._started:
            self._started = True
            start = self._start_chunk()
            if start is not None:
                out.append(start)
        if token is not None and not token.get("special") and not self._finished:
            self._on_token(token, event.get("top_tokens"), out)
        if (text := event.get("generated_text")) is not None:
            if text.__class__ is not str:
                raise TypeError(f"generated_text is {text!r:.100}, not text")
            details = event.get("details")
            if details is None:
                details = {}
            elif details.__class__ is not dict:
                raise TypeError(f"details is {details!r:.100}, not an object")
            reason(details)
            self._on_final(details, out)

    def _fail(self, message: str, type_: str, extra: dict[str, Any], out: list[bytes]) -> None:
        if not self._started:
            self.early_error = (STREAM_ERROR_STATUS.get(type_, 502), error_body(message, type_, **extra))
        else:
            out.append(stream_error_frame(message, type_))
            self._closed = self.failed = True

    def _on_token(self, token: dict[str, Any], top: Any, out: list[bytes]) -> None:
        self._emit_text(self._stops.push(token["text"]), out)
        if self._stops.stopped:
            self._emit_finish("stop", out)

    def _on_final(self, details: dict[str, Any], out: list[bytes]) -> None:
        counts = usage(count(details, "input_length"), count(details, "generated_tokens"))
        self._complete = True
        if not self._finished:
            self._finish_answer(details, out)
        if self._include_usage:
            self.counts = counts
            if self._reports_usage:
                out.append(self._usage_chunk(self.counts))
            out.append(self.end_frame)
            self._closed = True

    def _finish_answer(self, details: dict[str, Any], out: list[bytes]) -> None:
        self._emit_text(self._stops.flush(), out)
        self._emit_finish(finish_reason(details.get("finish_reason"), cut=False), out)

    def _emit_text(self, text: str, out: list[bytes]) -> None:
        if self._first_text and text:
            self._first_text = False
            if self._strip_first_space and text.startswith(" "):
                text = text[1:]
        if text:
            out.append(self._text_chunk(text))

    def _emit_finish(self, reason: str, out: list[bytes]) -> None:
        self._finished = True
        out.append(self._finish_chunk(reason))
        if not self._include_usage:
            # Nothing more to say; the transport stops reading and TGI's generation is cancelled.
            out.append(self.end_frame)
            self._closed = True

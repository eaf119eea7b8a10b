"""TGI's event stream → 0.28 chunk objects, incrementally. No I/O: the sync and async drivers both feed it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NoReturn

from .._backend import Answer, Exchange, Headers, Reply
from .._translate.sse import SSEDecoder
from ._openai0 import response_headers

if TYPE_CHECKING:
    from ._openai0 import Shaper

_DONE = b"[DONE]"


class ChunkStream:
    """Feed TGI's bytes, get OpenAI `data:` frames back; `chunk()` turns each into a 0.28 object (or raises).

    The backend's translator writes OpenAI's SSE; 0.28's own parser then reads each frame exactly as
    it reads OpenAI's, error events included. Until the first token only `wait()` is fed: a TGI error
    arriving first raises at `begin()`, so `create(stream=True)` raises as it would against OpenAI.
    """

    def __init__(self, exchange: Exchange, shaper: Shaper) -> None:
        self._exchange = exchange
        self._shaper = shaper
        self._translator = exchange.translator()
        self._sse = SSEDecoder()
        self._first: list[bytes] = []
        self._headers: Any = None

    def fail(self, answer: Answer) -> NoReturn:
        """TGI refused the stream with an HTTP error: raise what 0.28 raises for OpenAI's."""
        self._shaper.fail(self._exchange.reply([answer]))

    def wait(self, data: bytes) -> bool:
        """Feed bytes before the first token; True once the stream has started or failed."""
        self._first += self.feed(data)
        return bool(self._first) or self._translator.early_error is not None

    def begin(self, raw_headers: Headers, *, ended: bool) -> list[bytes]:
        """The frames read so far, once `wait()` said so or TGI closed (`ended`). Raises a TGI error that came first."""
        if ended:
            self._first += self.finish()
        if self._translator.early_error is not None:
            status, body = self._translator.early_error
            self._shaper.fail(Reply(status, [(b"content-type", b"application/json")], body))
        self._headers = response_headers(self._exchange.stream_headers(raw_headers))
        return self._first

    def feed(self, data: bytes) -> list[bytes]:
        return self._frames(self._translator.feed(data))

    def finish(self) -> list[bytes]:
        """TGI closed the connection: an unfinished answer ends in an error frame, never silently."""
        return self._frames(self._translator.finish())

    def chunk(self, frame: bytes) -> Any:
        return self._shaper.chunk(frame, self._headers)

    @property
    def closed(self) -> bool:
        """The answer is complete (or failed); TGI's remaining bytes, if any, carry nothing for the caller."""
        return self._translator.closed

    @property
    def complete(self) -> bool:
        """TGI sent its final event, so what is left to read is only the end of its response."""
        return self._translator.upstream_complete

    def _frames(self, sse: bytes) -> list[bytes]:
        return [data for data in self._sse.feed(sse) if data != _DONE] if sse else []

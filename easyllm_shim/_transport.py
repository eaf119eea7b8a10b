"""An httpx(2) transport that speaks OpenAI's wire format to the SDK and TGI's to the server.

The SDK builds the request, retries, applies timeouts, parses, streams and raises exactly as it
does against OpenAI; this transport only moves bytes and asks the backend how to translate them.
It works with httpx and httpx2 alike: the package is chosen per instance (see `_http.py`).
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import contextmanager
from types import ModuleType
from typing import TYPE_CHECKING, Any, cast

from ._backend import HF_CALL_HEADERS, Answer, Backend, Exchange, Reply, UpstreamCall
from ._http import module_of
from ._threads import choice_pool
from ._translate.stream import StreamTranslator

if TYPE_CHECKING:
    import httpx2 as http  # the same API as httpx; see _http.py


class TranslatedStream:
    """TGI's event streams, re-encoded as OpenAI's while they are read. Closing it closes TGI's responses.

    One TGI stream per choice: one, or `n` for a chat stream of several choices, relayed one after
    the other. Mixed at run time into the package's `SyncByteStream` and `AsyncByteStream`
    (`_stream_class`), which httpx requires of a transport's response streams.
    """

    _http: ModuleType  # httpx or httpx2, set by `_stream_class`
    on_close: Callable[[], None] | None = None

    def __init__(
        self, parts: Sequence[tuple[http.Response, StreamTranslator]], request: http.Request, exchange: Exchange
    ) -> None:
        self._parts = parts
        self._request = request  # a transport's response has no `.request` of its own
        self._exchange = exchange
        # Per stream started: its response, translator, OpenAI bytes up to its first event, the rest of TGI's.
        self._relays: list[tuple[http.Response, StreamTranslator, bytes, Any]] = []

    def start(self) -> Reply | None:
        """Read up to each TGI stream's first event. An error there becomes an HTTP error reply instead of a stream."""
        for upstream, translator in self._parts:
            chunks, first = upstream.iter_bytes(), bytearray()
            ended = not any(self._take(translator, first, chunk) for chunk in chunks)
            if (early := self._started(upstream, translator, first, chunks, ended)) is not None:
                return early
        return None

    async def astart(self) -> Reply | None:
        for upstream, translator in self._parts:
            chunks, first, ended = upstream.aiter_bytes(), bytearray(), True
            async for chunk in chunks:
                if self._take(translator, first, chunk):
                    ended = False
                    break
            if (early := self._started(upstream, translator, first, chunks, ended)) is not None:
                return early
        return None

    @staticmethod
    def _take(translator: StreamTranslator, first: bytearray, chunk: bytes) -> bool:
        """Feed one chunk while waiting for the first event; True once the stream has started or failed."""
        first += translator.feed(chunk)
        return bool(first) or translator.early_error is not None

    def _started(
        self, upstream: http.Response, translator: StreamTranslator, first: bytearray, chunks: Any, ended: bool
    ) -> Reply | None:
        """Keep a stream read up to its first event (or its end); the error reply if TGI failed it there."""
        if ended:
            first += translator.finish()
        self._relays.append((upstream, translator, bytes(first), chunks))
        return None if translator.early_error is None else self._early_reply(translator.early_error)

    @staticmethod
    def _early_reply(error: tuple[int, bytes]) -> Reply:
        status, body = error
        return Reply(status, [(b"content-type", b"application/json")], body)

    @contextmanager
    def _openai_errors(self) -> Iterator[None]:
        # The SDK maps transport errors only around the request on openai < 3, not while a stream
        # is read; raise its own exceptions here so a cut connection is an openai error everywhere.
        import openai

        try:
            yield
        except self._http.TimeoutException as error:
            raise openai.APITimeoutError(request=self._request) from error
        except self._http.TransportError as error:
            message = f"Connection to TGI lost mid-stream: {error}"
            raise openai.APIConnectionError(message=message, request=self._request) from error

    def __iter__(self) -> Iterator[bytes]:
        with self._openai_errors():
            for upstream, translator, first, chunks in self._relays:
                yield first
                for chunk in chunks:
                    out = translator.feed(chunk)
                    if translator.closed and translator.upstream_complete:
                        for _ in chunks:  # drain TGI's last bytes so the connection is reused
                            pass
                    if out:
                        yield out
                    if translator.closed:
                        break
                else:
                    yield translator.finish()
                upstream.close()  # a choice cut at a stop string: TGI stops generating it
                if translator.failed:
                    return
        if tail := self._exchange.stream_tail([translator for _, translator in self._parts]):
            yield tail

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with self._openai_errors():
            for upstream, translator, first, chunks in self._relays:
                yield first
                async for chunk in chunks:
                    out = translator.feed(chunk)
                    if translator.closed and translator.upstream_complete:
                        async for _ in chunks:
                            pass
                    if out:
                        yield out
                    if translator.closed:
                        break
                else:
                    yield translator.finish()
                await upstream.aclose()
                if translator.failed:
                    return
        if tail := self._exchange.stream_tail([translator for _, translator in self._parts]):
            yield tail

    def close(self) -> None:
        self._closed()
        for upstream, _ in self._parts:
            upstream.close()

    async def aclose(self) -> None:
        self._closed()
        for upstream, _ in self._parts:
            await upstream.aclose()

    def _closed(self) -> None:
        if self.on_close is not None:
            self.on_close()
            self.on_close = None


def read_body(upstream: http.Response) -> bytes:
    """A transport response's whole body. TGI is asked for `identity`, so the bytes on the wire are the
    body and httpx's decoding layer (a good part of a call's cost) is skipped; anything encoded is decoded."""
    if "content-encoding" in upstream.headers:
        return upstream.read()
    try:
        return b"".join(upstream.stream)  # type: ignore[arg-type]
    finally:
        upstream.close()


async def aread_body(upstream: http.Response) -> bytes:
    if "content-encoding" in upstream.headers:
        return await upstream.aread()
    try:
        return b"".join([chunk async for chunk in upstream.stream])  # type: ignore[union-attr]
    finally:
        await upstream.aclose()


_CALL_HEADERS = frozenset(name.encode() for name in HF_CALL_HEADERS)


def caller_headers(request: http.Request) -> list[tuple[bytes, bytes]]:
    """The Hugging Face headers among those a caller added to one call (`extra_headers`)."""
    return [(name, value) for name, value in request.headers.raw if name.lower() in _CALL_HEADERS]


@functools.cache
def _stream_class(module: ModuleType) -> Any:
    return type(
        "TranslatedStream", (TranslatedStream, module.SyncByteStream, module.AsyncByteStream), {"_http": module}
    )


class TGITransport:
    """Routes every request it receives to TGI through `backend`. Sync and async differ only in I/O.

    `upstream` is the caller's HTTP client (httpx or httpx2): TGI requests go through its connection
    pool and any proxy mounted on it, so they live and close with it. The transport owns no pool.
    """

    def __init__(self, backend: Backend, upstream: Any) -> None:
        self.backend = backend
        self._upstream = upstream
        self._http = module_of(upstream)
        self._stream_cls = _stream_class(self._http)
        self._targets: dict[str, tuple[http.URL, list[tuple[bytes, bytes]]]] = {}  # parsed once per TGI URL

    def _pool(self, request: http.Request) -> Any:
        return self._upstream._transport_for_url(request.url)

    # Responses and requests are built the way httpx's own transport builds them: a byte stream
    # and complete raw headers. `content=` would re-encode and re-read them (≈ 40 µs a call).
    def _response(self, reply: Reply) -> http.Response:
        headers = [*reply.headers, (b"content-length", b"%d" % len(reply.content))]
        response: http.Response = self._http.Response(
            reply.status, headers=headers, stream=self._http.ByteStream(reply.content)
        )
        return response

    def _upstream_request(self, call: UpstreamCall, request: http.Request, method: str = "POST") -> http.Request:
        target = self._targets.get(call.url)
        if target is None:
            url = self._http.URL(call.url)
            headers = self._http.Headers({"host": url.netloc.decode(), **call.headers}).raw
            target = self._targets[call.url] = (url, headers)
        url, headers = target
        upstream: http.Request = self._http.Request(
            method,
            url,
            headers=[*headers, *caller_headers(request), (b"content-length", b"%d" % len(call.body))],
            stream=self._http.ByteStream(call.body),
            extensions=request.extensions,
        )
        return upstream

    def _translated(self, exchange: Exchange, opened: list[http.Response], request: http.Request) -> Any:
        """A `TranslatedStream` over TGI's open streams, one per choice."""
        return self._stream_cls(list(zip(opened, exchange.translators(len(opened)), strict=True)), request, exchange)

    def _stream_response(self, exchange: Exchange, upstream: http.Response, stream: Any) -> http.Response:
        response: http.Response = self._http.Response(
            200, headers=exchange.stream_headers(upstream.headers.raw), stream=stream
        )
        return response

    def handle_request(self, request: http.Request) -> http.Response:
        body = request.read()
        exchange = self.backend.open(body, request.url.path)
        if isinstance(exchange, Reply):
            return self._response(exchange)
        info = self.backend.info_call(exchange)
        if info is not None:  # first call to this TGI server: learn its limits, then plan again
            status, _, content = self._send(self._upstream_request(info, request, "GET"))
            self.backend.learn_info(exchange, status, content)
            exchange = cast(Exchange, self.backend.open(body, request.url.path))
        upstreams = [self._upstream_request(call, request) for call in exchange.calls()]
        if exchange.stream:
            opened: list[http.Response] = []
            try:  # all at once, so TGI generates every choice concurrently
                opened.extend(self._pool(upstream).handle_request(upstream) for upstream in upstreams)
            except BaseException:
                for response in opened:
                    response.close()
                raise
            refused = next((response for response in opened if response.status_code != 200), None)
            if refused is None:
                stream = self._translated(exchange, opened, upstreams[0])
                early = stream.start()
                if early is None:
                    return self._stream_response(exchange, opened[0], stream)
                stream.close()
                return self._response(early)
            answers = [self._answer(refused, read_body(refused))]
            for response in opened:
                response.close()
        elif len(upstreams) == 1:
            answers = [self._send(upstreams[0])]
        else:  # n > 1: the choices are generated concurrently, one TGI request each
            answers = list(choice_pool().map(self._send, upstreams))
        return self._response(exchange.reply(answers))

    async def handle_async_request(self, request: http.Request) -> http.Response:
        body = await request.aread()
        exchange = self.backend.open(body, request.url.path)
        if isinstance(exchange, Reply):
            return self._response(exchange)
        info = self.backend.info_call(exchange)
        if info is not None:
            status, _, content = await self._asend(self._upstream_request(info, request, "GET"))
            self.backend.learn_info(exchange, status, content)
            exchange = cast(Exchange, self.backend.open(body, request.url.path))
        upstreams = [self._upstream_request(call, request) for call in exchange.calls()]
        if exchange.stream:
            opened: list[http.Response] = []
            try:
                for upstream in upstreams:
                    opened.append(await self._pool(upstream).handle_async_request(upstream))
            except BaseException:
                for response in opened:
                    await response.aclose()
                raise
            refused = next((response for response in opened if response.status_code != 200), None)
            if refused is None:
                stream = self._translated(exchange, opened, upstreams[0])
                early = await stream.astart()
                if early is None:
                    return self._stream_response(exchange, opened[0], stream)
                await stream.aclose()
                return self._response(early)
            answers = [self._answer(refused, await aread_body(refused))]
            for response in opened:
                await response.aclose()
        else:
            answers = list(await asyncio.gather(*(self._asend(upstream) for upstream in upstreams)))
        return self._response(exchange.reply(answers))

    def _send(self, upstream_request: http.Request) -> Answer:
        upstream = self._pool(upstream_request).handle_request(upstream_request)
        return self._answer(upstream, read_body(upstream))

    async def _asend(self, upstream_request: http.Request) -> Answer:
        upstream = await self._pool(upstream_request).handle_async_request(upstream_request)
        return self._answer(upstream, await aread_body(upstream))

    @staticmethod
    def _answer(upstream: http.Response, content: bytes) -> Answer:
        return upstream.status_code, upstream.headers.raw, content

    # The pool belongs to the caller's client, which closes it; the shadow client closing is a no-op.
    def __enter__(self) -> TGITransport:
        return self

    def __exit__(self, *exc_info: object) -> None:
        pass

    async def __aenter__(self) -> TGITransport:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        pass

    def close(self) -> None:
        pass

    async def aclose(self) -> None:
        pass

"""An httpx(2) transport that speaks OpenAI's wire format to the SDK and TGI's to the server.

The SDK builds the request, retries, applies timeouts, parses, streams and raises exactly as it
does against OpenAI; this transport only moves bytes and asks the backend how to translate them.
It works with httpx and httpx2 alike: the package is chosen per instance (see `_http.py`).
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import TYPE_CHECKING, Any, cast

from ._backend import HF_CALL_HEADERS, Answer, Backend, Exchange, Reply, UpstreamCall
from ._http import module_of
from ._threads import choice_pool
from ._translate.chat_stream import ChatStreamTranslator

if TYPE_CHECKING:
    import httpx2 as http  # the same API as httpx; see _http.py


class TranslatedStream:
    """TGI's event stream, re-encoded as OpenAI's while it is read. Closing it closes TGI's response.

    Mixed at run time into the package's `SyncByteStream` and `AsyncByteStream` (`_stream_class`),
    which httpx requires of a transport's response streams.
    """

    _http: ModuleType  # httpx or httpx2, set by `_stream_class`
    on_close: Callable[[], None] | None = None

    def __init__(self, upstream: http.Response, request: http.Request, translator: ChatStreamTranslator) -> None:
        self._upstream = upstream
        self._request = request  # a transport's response has no `.request` of its own
        self._translator = translator
        self._first = b""
        self._sync_chunks: Iterator[bytes] = iter(())
        self._async_chunks: AsyncIterator[bytes] | None = None

    def _take(self, chunk: bytes) -> bool:
        """Feed one chunk while waiting for the first token; True once the stream has started or failed."""
        self._first += self._translator.feed(chunk)
        return bool(self._first) or self._translator.early_error is not None

    def start(self) -> Reply | None:
        """Read up to TGI's first event. An error there becomes an HTTP error reply instead of a stream."""
        self._sync_chunks = self._upstream.iter_bytes()
        if not any(self._take(chunk) for chunk in self._sync_chunks):
            self._first += self._translator.finish()
        return self._early_reply()

    async def astart(self) -> Reply | None:
        self._async_chunks = self._upstream.aiter_bytes()
        async for chunk in self._async_chunks:
            if self._take(chunk):
                break
        else:
            self._first += self._translator.finish()
        return self._early_reply()

    def _early_reply(self) -> Reply | None:
        if self._translator.early_error is None:
            return None
        status, body = self._translator.early_error
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
        yield self._first
        translator = self._translator
        with self._openai_errors():
            for chunk in self._sync_chunks:
                out = translator.feed(chunk)
                if translator.closed and translator.upstream_complete:
                    for _ in self._sync_chunks:  # drain TGI's last bytes so the connection is reused
                        pass
                if out:
                    yield out
                if translator.closed:
                    return
        yield translator.finish()

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield self._first
        translator = self._translator
        assert self._async_chunks is not None
        with self._openai_errors():
            async for chunk in self._async_chunks:
                out = translator.feed(chunk)
                if translator.closed and translator.upstream_complete:
                    async for _ in self._async_chunks:
                        pass
                if out:
                    yield out
                if translator.closed:
                    return
        yield translator.finish()

    def close(self) -> None:
        self._closed()
        self._upstream.close()

    async def aclose(self) -> None:
        self._closed()
        await self._upstream.aclose()

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
            [upstream_request] = upstreams
            upstream = self._pool(upstream_request).handle_request(upstream_request)
            if upstream.status_code == 200:
                stream = self._stream_cls(upstream, upstream_request, exchange.translator())
                early = stream.start()
                if early is None:
                    return self._stream_response(exchange, upstream, stream)
                upstream.close()
                return self._response(early)
            answers = [self._answer(upstream, read_body(upstream))]
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
            [upstream_request] = upstreams
            upstream = await self._pool(upstream_request).handle_async_request(upstream_request)
            if upstream.status_code == 200:
                stream = self._stream_cls(upstream, upstream_request, exchange.translator())
                early = await stream.astart()
                if early is None:
                    return self._stream_response(exchange, upstream, stream)
                await upstream.aclose()
                return self._response(early)
            answers = [self._answer(upstream, await aread_body(upstream))]
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

"""The httpx(2) driver: a transport that hands the SDK OpenAI's wire format and carries out the I/O
steps of each routed call's flow (`_upstream/steps.py`) over the caller's own connection pool.

The SDK builds the request, retries, applies timeouts, parses, streams and raises exactly as it
does against OpenAI; this transport only moves bytes. Sync and async differ only in the I/O calls.
It works with httpx and httpx2 alike: the package is chosen per instance (see `http.py`).
"""

from __future__ import annotations

import asyncio
import functools
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from types import ModuleType
from typing import TYPE_CHECKING, Any

from .._flows import adrive, arelay, drive, relay
from .._upstream.endpoint import HF_CALL_HEADERS
from .._upstream.limits import MAX_BODY_BYTES
from .._upstream.steps import Answer, CloseOne, Head, Open, Read, ReadAll, Reply, Request, Send, Step, Streaming
from .._upstream.threads import CONCURRENT_REQUESTS, choice_pool
from .._upstream.upstream import Upstream
from .classes import BODY
from .http import module_of

if TYPE_CHECKING:
    import httpx2 as http  # the same API as httpx; see http.py

_CALL_HEADERS = frozenset(name.encode() for name in HF_CALL_HEADERS)


class UpstreamTransport:
    """Routes every request it receives to a Hugging Face server through `upstream`.

    `owner` is the caller's HTTP client (httpx or httpx2): upstream requests go through its connection
    pool and any proxy mounted on it, so they live and close with it. The transport owns no pool.
    """

    def __init__(self, upstream: Upstream, owner: Any) -> None:
        self.upstream = upstream
        self._owner = owner
        self._http = module_of(owner)
        self._stream_cls = _stream_class(self._http)
        self._parsed: dict[str, tuple[http.URL, list[tuple[bytes, bytes]]]] = {}  # once per upstream URL

    def handle_request(self, request: http.Request) -> http.Response:
        io = _SyncIO(self, request)
        body = request.extensions.get(BODY)
        if body is None:  # a request the shadow client did not build
            body = json.loads(request.read())
        try:
            outcome = drive(self.upstream.call(request.url.path, body), io.do)
        except self._http.TransportError as error:
            io.close()
            raise self._named(error, request, io.url, body) from error
        except BaseException:
            io.close()
            raise
        return self._response(outcome, io)

    async def handle_async_request(self, request: http.Request) -> http.Response:
        io = _AsyncIO(self, request)
        body = request.extensions.get(BODY)
        if body is None:
            body = json.loads(await request.aread())
        try:
            outcome = await adrive(self.upstream.call(request.url.path, body), io.do)
        except self._http.TransportError as error:
            await io.aclose()
            raise self._named(error, request, io.url, body) from error
        except BaseException:
            await io.aclose()
            raise
        return self._response(outcome, io)

    def _named(self, error: Exception, caller: http.Request, url: http.URL | None, body: Any) -> Exception:
        """`error` naming the model and the server that failed. The SDK raises `APIConnectionError` with the
        request it sent, addressed to the shadow client's placeholder host: it is given the real URL
        (without credentials), so `e.request.url` says where the call went."""
        if url is None:  # no request was sent
            return error
        url = url.copy_with(userinfo=b"")
        caller.url = url
        model = body.get("model") if isinstance(body, dict) else None
        return type(error)(f"{error} (model {model!r} at {url})")

    def _response(self, outcome: Reply | Streaming, io: _SyncIO | _AsyncIO) -> http.Response:
        # Built the way httpx's own transport builds responses: a byte stream and complete raw headers.
        # `content=` would re-encode and re-read them (≈ 40 µs a call).
        if isinstance(outcome, Streaming):
            stream = self._stream_cls(outcome.relay, io)
            streamed: http.Response = self._http.Response(200, headers=outcome.headers, stream=stream)
            return streamed
        headers = [*outcome.headers, (b"content-length", b"%d" % len(outcome.content))]
        response: http.Response = self._http.Response(
            outcome.status, headers=headers, stream=self._http.ByteStream(outcome.content)
        )
        return response

    def pool(self, request: http.Request) -> Any:
        return self._owner._transport_for_url(request.url)

    def upstream_request(self, request: Request, caller: http.Request) -> http.Request:
        parsed = self._parsed.get(request.url)
        if parsed is None:
            url = self._http.URL(request.url)
            headers = self._http.Headers({"host": url.netloc.decode(), **request.headers}).raw
            parsed = self._parsed[request.url] = (url, headers)
        url, headers = parsed
        built: http.Request = self._http.Request(
            request.method,
            url,
            headers=[*headers, *caller_headers(caller), (b"content-length", b"%d" % len(request.body))],
            stream=self._http.ByteStream(request.body),
            extensions=caller.extensions,  # the caller's timeouts
        )
        return built

    # The pool belongs to the caller's client, which closes it; the shadow client closing is a no-op.
    def __enter__(self) -> UpstreamTransport:
        return self

    def __exit__(self, *exc_info: object) -> None:
        pass

    async def __aenter__(self) -> UpstreamTransport:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        pass

    def close(self) -> None:
        pass

    async def aclose(self) -> None:
        pass


def caller_headers(request: http.Request) -> list[tuple[bytes, bytes]]:
    """The Hugging Face headers among those a caller added to one call (`extra_headers`)."""
    return [(name, value) for name, value in request.headers.raw if name.lower() in _CALL_HEADERS]


class _Upstream:
    """What the I/O of one call, sync or async, builds its upstream requests from."""

    __slots__ = ("_caller", "_transport", "url")

    def __init__(self, transport: UpstreamTransport, caller: http.Request) -> None:
        self._transport = transport
        self._caller = caller  # the SDK's request: its timeouts and the caller's headers
        self.url: http.URL | None = None  # of the last upstream request, for errors

    def _build(self, request: Request) -> http.Request:
        built = self._transport.upstream_request(request, self._caller)
        self.url = built.url
        return built


class _SyncIO(_Upstream):
    """The I/O of one call, sync: the steps of its flow, carried out; the responses it keeps open."""

    __slots__ = ("_chunks", "_opened")

    def __init__(self, transport: UpstreamTransport, caller: http.Request) -> None:
        super().__init__(transport, caller)
        self._opened: list[http.Response] = []
        self._chunks: list[Iterator[bytes]] = []

    def do(self, step: Step) -> Any:
        if isinstance(step, Read):
            return next(self._chunks[step.stream], b"")
        if isinstance(step, Send):
            requests = [self._build(r) for r in step.requests]
            if len(requests) == 1:
                return [self._send(requests[0])]
            return list(choice_pool().map(self._send, requests))  # n > 1: generated concurrently
        if isinstance(step, Open):
            for request in step.requests:
                built = self._build(request)
                response = self._transport.pool(built).handle_request(built)
                self._opened.append(response)
                self._chunks.append(response.iter_bytes())
            return [_head(response) for response in self._opened]
        if isinstance(step, ReadAll):
            return read_body(self._opened[step.stream])
        self.close(step.stream if isinstance(step, CloseOne) else None)
        return None

    def _send(self, request: http.Request) -> Answer:
        response = self._transport.pool(request).handle_request(request)
        return response.status_code, response.headers.raw, read_body(response)

    def close(self, index: int | None = None) -> None:
        for response in self._opened if index is None else self._opened[index : index + 1]:
            response.close()


class _AsyncIO(_Upstream):
    __slots__ = ("_chunks", "_opened")

    def __init__(self, transport: UpstreamTransport, caller: http.Request) -> None:
        super().__init__(transport, caller)
        self._opened: list[http.Response] = []
        self._chunks: list[AsyncIterator[bytes]] = []

    def do(self, step: Step) -> Awaitable[Any]:
        if isinstance(step, Read):  # once per chunk of a stream: no coroutine of our own around it
            return anext(self._chunks[step.stream], b"")
        return self._do(step)

    async def _do(self, step: Step) -> Any:
        if isinstance(step, Send):
            requests = [self._build(r) for r in step.requests]
            if len(requests) == 1:
                return [await self._send(requests[0])]
            limit = asyncio.Semaphore(CONCURRENT_REQUESTS)

            async def send(request: http.Request) -> Answer:
                async with limit:
                    return await self._send(request)

            return list(await asyncio.gather(*(send(request) for request in requests)))
        if isinstance(step, Open):
            for request in step.requests:
                built = self._build(request)
                response = await self._transport.pool(built).handle_async_request(built)
                self._opened.append(response)
                self._chunks.append(response.aiter_bytes())
            return [_head(response) for response in self._opened]
        if isinstance(step, ReadAll):
            return await aread_body(self._opened[step.stream])
        await self.aclose(step.stream if isinstance(step, CloseOne) else None)
        return None

    async def _send(self, request: http.Request) -> Answer:
        response = await self._transport.pool(request).handle_async_request(request)
        return response.status_code, response.headers.raw, await aread_body(response)

    async def aclose(self, index: int | None = None) -> None:
        for response in self._opened if index is None else self._opened[index : index + 1]:
            await response.aclose()


def _head(response: http.Response) -> Head:
    return response.status_code, response.headers.raw


def read_body(upstream: http.Response) -> bytes:
    """A transport response's body as it is on the wire, at most `MAX_BODY_BYTES + 1` of it. Servers are
    asked for `identity`, so httpx's decoding layer (a good part of a call's cost) is skipped; the flow
    refuses an answer that is encoded anyway, or larger."""
    parts, size = [], 0
    try:
        for part in upstream.stream:  # type: ignore[union-attr]
            parts.append(part)
            size += len(part)
            if size > MAX_BODY_BYTES:
                break
    finally:
        upstream.close()
    return b"".join(parts)


async def aread_body(upstream: http.Response) -> bytes:
    parts, size = [], 0
    try:
        async for part in upstream.stream:  # type: ignore[union-attr]
            parts.append(part)
            size += len(part)
            if size > MAX_BODY_BYTES:
                break
    finally:
        await upstream.aclose()
    return b"".join(parts)


class TranslatedStream:
    """A started stream's OpenAI bytes, relayed from its flow while the SDK reads them. Closing it closes
    the upstream responses. Mixed at run time into the package's `SyncByteStream` and `AsyncByteStream`
    (`_stream_class`), which httpx requires of a transport's response streams."""

    _http: ModuleType  # httpx or httpx2, set by `_stream_class`
    on_close: Callable[[], None] | None = None

    def __init__(self, flow: Any, io: Any) -> None:  # _SyncIO or _AsyncIO, as the response is read
        self._flow = flow
        self._io = io

    def _failure(self, error: Exception) -> Exception:
        # The SDK maps transport errors only around the request on openai < 3, not while a stream
        # is read; raise its own exceptions here so a cut connection is an openai error everywhere.
        import openai

        request = self._io._caller
        if isinstance(error, self._http.TimeoutException):
            return openai.APITimeoutError(request=request)
        if isinstance(error, self._http.TransportError):
            message = f"Connection to the Hugging Face server lost mid-stream: {error}"
            return openai.APIConnectionError(message=message, request=request)
        return error

    def __iter__(self) -> Iterator[bytes]:
        return relay(self._flow, self._io.do, self._failure)

    def __aiter__(self) -> AsyncIterator[bytes]:
        return arelay(self._flow, self._io.do, self._failure)

    def close(self) -> None:
        self._closed()
        self._io.close()

    async def aclose(self) -> None:
        self._closed()
        await self._io.aclose()

    def _closed(self) -> None:
        if self.on_close is not None:
            self.on_close()
            self.on_close = None


@functools.cache
def _stream_class(module: ModuleType) -> Any:
    return type(
        "TranslatedStream", (TranslatedStream, module.SyncByteStream, module.AsyncByteStream), {"_http": module}
    )

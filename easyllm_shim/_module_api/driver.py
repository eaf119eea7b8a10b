"""The openai 0.28 driver: the I/O steps of a routed call on 0.28's own stacks, `requests` for `create`
and `aiohttp` for `acreate`, and its outcome as 0.28's objects.

Only bytes move here; the flow (`_upstream`) decides what they mean, and 0.28's own code reads the
OpenAI-format answers. Connections are pooled as 0.28 pools OpenAI's: one `requests.Session` per
thread, renewed after `MAX_SESSION_LIFETIME_SECS`, and one aiohttp session per call, closed after it.
Neither is the caller's `openai.requestssession` / `openai.aiosession`: those are set up for OpenAI
and may carry its credentials, and Hugging Face servers must receive the shim's headers only (and
the Hugging Face ones among the caller's `headers=`).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from .._flows import adrive, arelay, drive, relay
from .._translate.sse import SSEDecoder
from .._upstream.limits import MAX_BODY_BYTES
from .._upstream.steps import Answer, CloseOne, Headers, Open, Read, ReadAll, Reply, Request, Send, Step
from .._upstream.threads import CONCURRENT_REQUESTS, choice_pool
from .._upstream.upstream import Upstream
from .arguments import Arguments, RequestTimeout
from .objects import Shaper, load, response_headers, sdk

_local = threading.local()
_DONE = b"[DONE]"
# The relay's own frames are not a server's: no cap of a server's events applies to them.
MAX_OWN_FRAME = 2**62


def create(upstream: Upstream, arguments: Arguments) -> Any:
    """What 0.28's `create` returns: an `OpenAIObject`, or a generator of chunk objects that has read up
    to each stream's first event (so a failure there raises here, as 0.28 raises OpenAI's HTTP errors)."""
    io = _RequestsIO(arguments.request_timeout, arguments.headers)
    try:
        with openai_errors():
            outcome = drive(upstream.call(arguments.path, arguments.body), io.do)
        if isinstance(outcome, Reply):
            return arguments.shaper.completion(outcome)
    except BaseException:
        io.close()
        raise
    return _chunks(relay(outcome.relay, io.do), io, arguments.shaper, response_headers(outcome.headers))


async def acreate(upstream: Upstream, arguments: Arguments) -> Any:
    io = _AiohttpIO(arguments.request_timeout, arguments.headers)
    try:
        with openai_errors():
            outcome = await adrive(upstream.call(arguments.path, arguments.body), io.do)
        if isinstance(outcome, Reply):
            await io.aclose()
            return arguments.shaper.completion(outcome)
    except BaseException:
        await io.aclose()
        raise
    return _achunks(arelay(outcome.relay, io.do), io, arguments.shaper, response_headers(outcome.headers))


# The relay writes OpenAI's SSE (a tool call's frame comes whole, so the server cap does not apply);
# 0.28's own parser then reads each frame exactly as it reads OpenAI's,
# error events included. Leaving a stream (its end, `break`, garbage collection) closes its responses.
def _chunks(sse: Iterator[bytes], io: _RequestsIO, shaper: Shaper, headers: Any) -> Iterator[Any]:
    decoder = SSEDecoder(max_bytes=MAX_OWN_FRAME)
    try:
        with openai_errors():
            for data in sse:
                for frame in decoder.feed(data):
                    if frame != _DONE:
                        yield shaper.chunk(frame, headers)
    finally:
        io.close()


async def _achunks(sse: AsyncIterator[bytes], io: _AiohttpIO, shaper: Shaper, headers: Any) -> AsyncIterator[Any]:
    decoder = SSEDecoder(max_bytes=MAX_OWN_FRAME)
    try:
        with openai_errors():
            async for data in sse:
                for frame in decoder.feed(data):
                    if frame != _DONE:
                        yield shaper.chunk(frame, headers)
    finally:
        await io.aclose()


@contextmanager
def openai_errors() -> Iterator[None]:
    """Transport failures, sync or async, as the `openai.error` exceptions 0.28 raises for them."""
    aiohttp, requests, error = load("aiohttp"), load("requests"), sdk().error
    try:
        yield
    except (requests.Timeout, aiohttp.ServerTimeoutError, asyncio.TimeoutError) as exc:
        raise error.Timeout(f"Request to the Hugging Face endpoint timed out: {exc}") from exc
    except (requests.RequestException, aiohttp.ClientError) as exc:
        raise error.APIConnectionError(f"Error communicating with the Hugging Face endpoint: {exc}") from exc


class _RequestsIO:
    """The I/O of one `create` call on requests: the steps of its flow; the responses it keeps open."""

    __slots__ = ("_chunks", "_headers", "_opened", "_timeout")

    def __init__(self, request_timeout: RequestTimeout, headers: Mapping[str, str]) -> None:
        self._timeout = request_timeout or sdk().api_requestor.TIMEOUT_SECS
        self._headers = headers  # the caller's Hugging Face headers
        self._opened: list[Any] = []
        self._chunks: list[Iterator[bytes]] = []

    def do(self, step: Step) -> Any:
        if isinstance(step, Read):
            return next(self._chunks[step.stream], b"")
        if isinstance(step, Send):
            requests = step.requests
            if len(requests) == 1:
                return [self._send(requests[0])]
            return list(choice_pool().map(self._send, requests))  # n > 1: generated concurrently
        if isinstance(step, Open):
            for request in step.requests:
                response = self._request(request, stream=True)
                self._opened.append(response)
                self._chunks.append(response.iter_content(chunk_size=None))
            return [(response.status_code, _raw_headers(response)) for response in self._opened]
        if isinstance(step, ReadAll):
            return _read(self._opened[step.stream])
        self.close(step.stream if isinstance(step, CloseOne) else None)
        return None

    def _send(self, request: Request) -> Answer:
        response = self._request(request, stream=True)
        return response.status_code, _raw_headers(response), _read(response)

    def _request(self, request: Request, *, stream: bool) -> Any:
        session = _session()
        # The endpoint's headers, and the Hugging Face ones a caller gave: the OpenAI key never goes there.
        return session.request(
            request.method,
            request.url,
            headers={**request.headers, **self._headers},
            data=request.body or None,
            stream=stream,
            timeout=self._timeout,
            proxies=session.proxies,
            allow_redirects=False,  # a redirect is no answer (the flow says so); following it re-sends the prompt
        )

    def close(self, index: int | None = None) -> None:
        for response in self._opened if index is None else self._opened[index : index + 1]:
            response.close()


class _AiohttpIO:
    """The I/O of one `acreate` call on aiohttp, in one session that lives as long as the call (its stream included)."""

    __slots__ = ("_chunks", "_headers", "_opened", "_options", "_session")

    def __init__(self, request_timeout: RequestTimeout, headers: Mapping[str, str]) -> None:
        aiohttp, openai = load("aiohttp"), sdk()
        if isinstance(request_timeout, tuple):  # (connect, total), as 0.28 reads it for aiohttp
            timeout = aiohttp.ClientTimeout(connect=request_timeout[0], total=request_timeout[1])
        else:
            timeout = aiohttp.ClientTimeout(total=request_timeout or openai.api_requestor.TIMEOUT_SECS)
        self._options = {"timeout": timeout, "proxy": openai.api_requestor._aiohttp_proxies_arg(openai.proxy)}
        self._headers = headers
        self._session: Any = None
        self._opened: list[Any] = []
        self._chunks: list[AsyncIterator[bytes]] = []

    async def do(self, step: Step) -> Any:
        if isinstance(step, Read):
            return await anext(self._chunks[step.stream], b"")
        if isinstance(step, Send):
            # Every request finishes before this returns, even when one of them failed.
            limit = asyncio.Semaphore(CONCURRENT_REQUESTS)

            async def send(request: Request) -> Answer:
                async with limit:
                    return await self._send(request)

            answers = await asyncio.gather(*(send(r) for r in step.requests), return_exceptions=True)
            if error := next((answer for answer in answers if isinstance(answer, BaseException)), None):
                raise error
            return answers
        if isinstance(step, Open):
            for request in step.requests:
                response = await self._request(request)
                self._opened.append(response)
                self._chunks.append(response.content.iter_any())
            return [(response.status, list(response.raw_headers)) for response in self._opened]
        if isinstance(step, ReadAll):
            return await _aread(self._opened[step.stream])
        await self.aclose(step.stream if isinstance(step, CloseOne) else None)
        return None

    async def _send(self, request: Request) -> Answer:
        response = await self._request(request)
        async with response:
            return response.status, list(response.raw_headers), await _aread(response)

    async def _request(self, request: Request) -> Any:
        if self._session is None:
            # Bodies as they are on the wire: the flow refuses an encoding the shim did not ask for.
            self._session = load("aiohttp").ClientSession(auto_decompress=False)
        headers = {**request.headers, **self._headers}
        return await self._session.request(
            request.method,
            request.url,
            headers=headers,
            data=request.body or None,
            allow_redirects=False,
            **self._options,
        )

    async def aclose(self, index: int | None = None) -> None:
        for response in self._opened if index is None else self._opened[index : index + 1]:
            response.close()
        if index is None and self._session is not None:
            await self._session.close()
            self._session = None


def _read(response: Any) -> bytes:
    """A response's body as it is on the wire, at most `MAX_BODY_BYTES + 1` of it (the flow refuses more)."""
    urllib3, requests = load("urllib3"), load("requests")
    parts, size = [], 0
    try:
        for part in response.raw.stream(2**16, decode_content=False):
            parts.append(part)
            size += len(part)
            if size > MAX_BODY_BYTES:
                break
    except urllib3.exceptions.ReadTimeoutError as error:  # as requests' own reading raises them
        raise requests.ReadTimeout(error) from error
    except (urllib3.exceptions.ProtocolError, urllib3.exceptions.SSLError) as error:
        raise requests.ConnectionError(error) from error
    finally:
        response.close()
    return b"".join(parts)


async def _aread(response: Any) -> bytes:
    parts, size = [], 0
    async for part in response.content.iter_any():
        parts.append(part)
        size += len(part)
        if size > MAX_BODY_BYTES:
            break
    return b"".join(parts)


def _session() -> Any:
    api_requestor = sdk().api_requestor
    now = time.time()
    session = getattr(_local, "session", None)
    if session is None or now - _local.created >= api_requestor.MAX_SESSION_LIFETIME_SECS:
        if session is not None:
            session.close()
        session = _local.session = _new_session(api_requestor)
        _local.created = now
    return session


def _new_session(api_requestor: Any) -> Any:
    requests = load("requests")
    # 0.28's `_make_session`, minus `openai.requestssession` (see the module docstring).
    session = requests.Session()
    proxies = api_requestor._requests_proxies_arg(sdk().proxy)
    if proxies:
        session.proxies = proxies
    session.mount("https://", requests.adapters.HTTPAdapter(max_retries=api_requestor.MAX_CONNECTION_RETRIES))
    return session


def _raw_headers(response: Any) -> Headers:
    return [(name.encode("latin-1"), value.encode("latin-1")) for name, value in response.headers.items()]

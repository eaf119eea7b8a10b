"""TGI requests on openai 0.28's own transports: `requests` for `create`, `aiohttp` for `acreate`.

Only bytes move here; `ChunkStream` and the backend decide what they mean. Sync and async differ
only in the I/O calls. Connections are pooled as 0.28 pools OpenAI's: one `requests.Session` per
thread, renewed after `MAX_SESSION_LIFETIME_SECS`, and one aiohttp session per call, closed after it.
Neither is the caller's `openai.requestssession` / `openai.aiosession`: those are set up for
OpenAI and may carry its credentials, and TGI must receive the shim's headers only (and the
Hugging Face ones among the caller's `headers=`, `HF_CALL_HEADERS`).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from typing import Any

from .._backend import Answer, Headers, UpstreamCall
from .._threads import choice_pool
from ._call import RequestTimeout
from ._chunks import ChunkStream
from ._openai0 import load, sdk

_local = threading.local()


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


def _requests_timeout(request_timeout: RequestTimeout) -> Any:
    return request_timeout or sdk().api_requestor.TIMEOUT_SECS


def _aiohttp_options(request_timeout: RequestTimeout) -> dict[str, Any]:
    aiohttp, openai = load("aiohttp"), sdk()
    if isinstance(request_timeout, tuple):  # (connect, total), as 0.28 reads it for aiohttp
        timeout = aiohttp.ClientTimeout(connect=request_timeout[0], total=request_timeout[1])
    else:
        timeout = aiohttp.ClientTimeout(total=request_timeout or openai.api_requestor.TIMEOUT_SECS)
    return {"timeout": timeout, "proxy": openai.api_requestor._aiohttp_proxies_arg(openai.proxy)}


def _raw_headers(response: Any) -> Headers:
    return [(name.encode("latin-1"), value.encode("latin-1")) for name, value in response.headers.items()]


def _post(call: UpstreamCall, request_timeout: RequestTimeout, *, stream: bool) -> Any:
    session = _session()
    # The backend's headers, and the Hugging Face ones a caller gave: the OpenAI key never reaches TGI.
    return session.post(
        call.url,
        headers=dict(call.headers),
        data=call.body,
        stream=stream,
        timeout=_requests_timeout(request_timeout),
        proxies=session.proxies,
    )


def _send(call: UpstreamCall, request_timeout: RequestTimeout) -> Answer:
    with openai_errors():
        response = _post(call, request_timeout, stream=False)
        return response.status_code, _raw_headers(response), response.content


def send(calls: Sequence[UpstreamCall], request_timeout: RequestTimeout) -> list[Answer]:
    """TGI's answers, in order; `n > 1` choices are generated concurrently."""
    if len(calls) == 1:
        return [_send(calls[0], request_timeout)]
    return list(choice_pool().map(partial(_send, request_timeout=request_timeout), calls))


async def asend(calls: Sequence[UpstreamCall], request_timeout: RequestTimeout) -> list[Answer]:
    aiohttp = load("aiohttp")
    options = _aiohttp_options(request_timeout)

    async def one(session: Any, call: UpstreamCall) -> Answer:
        async with session.post(call.url, headers=dict(call.headers), data=call.body, **options) as response:
            return response.status, list(response.raw_headers), await response.read()

    with openai_errors():
        async with aiohttp.ClientSession() as session:
            # Every request finishes before the session closes, even when one of them failed.
            answers = await asyncio.gather(*(one(session, call) for call in calls), return_exceptions=True)
    for answer in answers:
        if isinstance(answer, BaseException):
            with openai_errors():
                raise answer
    return [answer for answer in answers if not isinstance(answer, BaseException)]


def stream(call: UpstreamCall, chunks: ChunkStream, request_timeout: RequestTimeout) -> Iterator[Any]:
    """A generator to prime: its first `next()` reads up to TGI's first event, raising a failure there."""
    with openai_errors(), _post(call, request_timeout, stream=True) as response:
        if response.status_code >= 400:
            chunks.fail((response.status_code, _raw_headers(response), response.content))
        pieces = response.iter_content(chunk_size=None)
        first = chunks.begin(_raw_headers(response), ended=not any(chunks.wait(piece) for piece in pieces))
        yield None
        for frame in first:
            yield chunks.chunk(frame)
        for piece in pieces:
            frames = chunks.feed(piece)
            if chunks.closed and chunks.complete:
                for _ in pieces:  # drain TGI's last bytes so the connection is reused
                    pass
            for frame in frames:
                yield chunks.chunk(frame)
            if chunks.closed:  # leaving closes the response: TGI stops generating
                return
        for frame in chunks.finish():
            yield chunks.chunk(frame)


async def astream(call: UpstreamCall, chunks: ChunkStream, request_timeout: RequestTimeout) -> AsyncIterator[Any]:
    """`stream()` on aiohttp; the session lives as long as the stream, as in 0.28."""
    aiohttp = load("aiohttp")
    options = _aiohttp_options(request_timeout)
    with openai_errors():
        async with (
            aiohttp.ClientSession() as session,
            session.post(call.url, headers=dict(call.headers), data=call.body, **options) as response,
        ):
            if response.status >= 400:
                chunks.fail((response.status, list(response.raw_headers), await response.read()))
            pieces = response.content.iter_any()
            ended = True
            async for piece in pieces:
                if chunks.wait(piece):
                    ended = False
                    break
            first = chunks.begin(list(response.raw_headers), ended=ended)
            yield None
            for frame in first:
                yield chunks.chunk(frame)
            async for piece in pieces:
                frames = chunks.feed(piece)
                if chunks.closed and chunks.complete:
                    async for _ in pieces:
                        pass
                for frame in frames:
                    yield chunks.chunk(frame)
                if chunks.closed:
                    return
            for frame in chunks.finish():
                yield chunks.chunk(frame)

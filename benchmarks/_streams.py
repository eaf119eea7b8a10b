"""Streams: the client cost of each chunk of a long stream, and async throughput of many at once."""

from __future__ import annotations

import asyncio
from typing import Any

import openai
from _calls import OPENAI_KEY, SDK, SDK_ON_SHIM_ANSWER, SHIM
from _canned import Recording, client
from _measure import Candidate


def _drain(stream: Any) -> int:
    with stream:
        return sum(1 for _ in stream)


def long_streams(url: str, model: str, messages: list[dict[str, str]]) -> list[Candidate]:
    """One streamed answer per run: the shim from /generate_stream vs the SDK from /v1/chat/completions."""
    routed = openai.OpenAI(api_key=OPENAI_KEY, base_url="http://127.0.0.1:9/v1", max_retries=0)
    direct = openai.OpenAI(api_key=OPENAI_KEY, base_url=f"{url}/v1", max_retries=0)
    chat: dict[str, Any] = {"model": model, "messages": messages, "stream": True}
    return [
        Candidate(SHIM, lambda: _drain(routed.chat.completions.create(**chat)), patched=True),
        Candidate(SDK, lambda: _drain(direct.chat.completions.create(**chat))),
    ]


def canned_long_streams(recording: Recording, model: str, messages: list[dict[str, str]]) -> list[Candidate]:
    """As `long_streams`, canned; with the shim's answers in `recording`, also the SDK reading them."""
    routed = openai.OpenAI(
        api_key=OPENAI_KEY, base_url="http://openai.invalid/v1", http_client=client(recording, tgi=True)
    )
    direct = openai.OpenAI(
        api_key=OPENAI_KEY, base_url="http://tgi.invalid/v1", http_client=client(recording, tgi=False)
    )
    chat: dict[str, Any] = {"model": model, "messages": messages, "stream": True}
    candidates = [
        Candidate(SHIM, lambda: _drain(routed.chat.completions.create(**chat)), patched=True),
        Candidate(SDK, lambda: _drain(direct.chat.completions.create(**chat))),
    ]
    if recording.shim_chat_stream is not None:
        replayed = {**chat, "model": "shim"}
        candidates.append(Candidate(SDK_ON_SHIM_ANSWER, lambda: _drain(direct.chat.completions.create(**replayed))))
    return candidates


async def _concurrent(base_url: str, chat: dict[str, Any], streams: int) -> int:
    # A fresh client per batch: an async HTTP pool belongs to the event loop that first used it.
    async with openai.AsyncOpenAI(api_key=OPENAI_KEY, base_url=base_url, max_retries=0, timeout=300) as client:

        async def one() -> int:
            async with await client.chat.completions.create(**chat) as stream:
                return sum([1 async for _ in stream])

        chunks = await asyncio.gather(*(one() for _ in range(streams)))
    if min(chunks) < 2:
        raise RuntimeError("a stream ended without content")
    return streams


def concurrent_streams(
    url: str, model: str, messages: list[dict[str, str]], streams: int, max_tokens: int
) -> list[Candidate]:
    """`streams` streams at once on one AsyncOpenAI client, each `max_tokens` tokens long."""
    chat: dict[str, Any] = {"model": model, "messages": messages, "stream": True, "max_tokens": max_tokens}
    routed_base, direct_base = "http://127.0.0.1:9/v1", f"{url}/v1"
    return [
        Candidate(SHIM, lambda: asyncio.run(_concurrent(routed_base, chat, streams)), patched=True),
        Candidate(SDK, lambda: asyncio.run(_concurrent(direct_base, chat, streams))),
    ]

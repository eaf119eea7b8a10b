"""TGI's event stream, read incrementally into 0.28 chunk objects; failures before the first token raise first."""

from __future__ import annotations

import json
from typing import Any

import pytest

from easyllm_shim._backend import Backend, Exchange
from easyllm_shim._config import Config, Credentials
from easyllm_shim._legacy._chunks import ChunkStream
from easyllm_shim._legacy._openai0 import Shaper

from .sdk0 import openai0

SHAPER = Shaper(api_key=None, api_version=None, organization=None, engine=None)
SSE = [(b"content-type", b"text/event-stream")]


def exchange(**request: Any) -> Exchange:
    backend = Backend(Config(api_base="http://tgi.invalid", credentials=Credentials(None, stored_login=False)))
    body = {"model": "meta-llama/Llama-2-7b-chat-hf", "messages": [{"role": "user", "content": "Hi"}], "stream": True}
    opened = backend.open(json.dumps({**body, **request}).encode())
    assert isinstance(opened, Exchange)
    return opened


def event(text: str, *, final: bool = False) -> bytes:
    payload: dict[str, Any] = {"token": {"id": 1, "text": text, "logprob": -0.1, "special": final}}
    payload["generated_text"] = "Hi there" if final else None
    payload["details"] = {"finish_reason": "eos_token", "generated_tokens": 3, "input_length": 5} if final else None
    return b"data:" + json.dumps(payload).encode() + b"\n\n"


def test_a_stream_read_in_pieces_gives_role_content_and_finish_chunks() -> None:
    chunks = ChunkStream(exchange(), SHAPER)
    hi, there, final = event(" Hi"), event(" there"), event("</s>", final=True)

    assert not chunks.wait(hi[:10])  # an event cut anywhere is completed by the next read
    assert chunks.wait(hi[10:])
    frames = chunks.begin(SSE, ended=False)
    frames += chunks.feed(there + final[:7])
    frames += chunks.feed(final[7:])
    objects = [chunks.chunk(frame) for frame in frames]

    assert objects[0].choices[0].delta == {"role": "assistant", "content": ""}
    assert "".join(o.choices[0].delta.get("content", "") for o in objects) == "Hi there"
    assert objects[-1].choices[0].finish_reason == "stop"
    assert chunks.closed
    assert chunks.complete
    assert chunks.finish() == []


def test_a_tgi_error_before_the_first_token_raises_at_begin() -> None:
    chunks = ChunkStream(exchange(), SHAPER)

    assert chunks.wait(b'data:{"error":"Input validation error: bad","error_type":"validation"}\n\n')
    with pytest.raises(openai0.error.InvalidRequestError, match="Input validation error: bad"):
        chunks.begin(SSE, ended=False)


def test_a_stream_that_closes_before_any_event_raises_at_begin() -> None:
    chunks = ChunkStream(exchange(), SHAPER)

    with pytest.raises(openai0.error.APIError, match="ended before its final event"):
        chunks.begin(SSE, ended=True)


def test_a_stream_that_closes_after_tokens_ends_in_an_error_chunk() -> None:
    chunks = ChunkStream(exchange(), SHAPER)
    assert chunks.wait(event(" Hi"))
    first = chunks.begin(SSE, ended=False)
    [end] = chunks.finish()

    assert [chunks.chunk(frame).choices[0].delta.get("content") for frame in first] == ["", "Hi"]
    with pytest.raises(openai0.error.APIError, match="ended before its final event"):
        chunks.chunk(end)

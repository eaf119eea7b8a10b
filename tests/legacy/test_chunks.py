"""A routed stream's flow, read in pieces into 0.28 chunk objects; failures before the first token raise first."""

from __future__ import annotations

import json
from typing import Any

import pytest

from easyllm_shim._config.credentials import Credentials
from easyllm_shim._config.settings import Config
from easyllm_shim._module_api.objects import Shaper, response_headers
from easyllm_shim._translate.sse import SSEDecoder
from easyllm_shim._upstream.steps import Reply, Streaming

from ..flows import Script, run_flow
from .sdk0 import openai0

SHAPER = Shaper(api_key=None, api_version=None, organization=None, engine=None)
CONFIG = Config(api_base="http://tgi.invalid", credentials=Credentials(None, stored_login=False))
CHAT = {"model": "meta-llama/Llama-2-7b-chat-hf", "messages": [{"role": "user", "content": "Hi"}], "stream": True}


def event(text: str, *, final: bool = False) -> bytes:
    payload: dict[str, Any] = {"token": {"id": 1, "text": text, "logprob": -0.1, "special": final}}
    payload["generated_text"] = "Hi there" if final else None
    payload["details"] = {"finish_reason": "eos_token", "generated_tokens": 3, "input_length": 5} if final else None
    return b"data:" + json.dumps(payload).encode() + b"\n\n"


def chunks(outcome: Streaming, script: Script) -> list[Any]:
    """The 0.28 objects of a started stream, as the driver builds them from its relayed SSE."""
    decoder, headers = SSEDecoder(), response_headers(outcome.headers)
    frames = [frame for data in script.relay(outcome) for frame in decoder.feed(data) if frame != b"[DONE]"]
    return [SHAPER.chunk(frame, headers) for frame in frames]


def test_a_stream_read_in_pieces_gives_role_content_and_finish_chunks() -> None:
    hi, there, final = event(" Hi"), event(" there"), event("</s>", final=True)
    # An event cut anywhere is completed by the next read.
    script = Script(streams=[[hi[:10], hi[10:], there + final[:7], final[7:]]])

    outcome = run_flow(CONFIG, "/chat/completions", CHAT, script)
    assert isinstance(outcome, Streaming)
    objects = chunks(outcome, script)

    assert objects[0].choices[0].delta == {"role": "assistant", "content": ""}
    assert "".join(o.choices[0].delta.get("content", "") for o in objects) == "Hi there"
    assert objects[-1].choices[0].finish_reason == "stop"
    assert script.closed == [0]


def test_a_tgi_error_before_the_first_token_raises_at_create() -> None:
    script = Script(streams=[[b'data:{"error":"Input validation error: bad","error_type":"validation"}\n\n']])

    outcome = run_flow(CONFIG, "/chat/completions", CHAT, script)

    assert isinstance(outcome, Reply)
    with pytest.raises(openai0.error.InvalidRequestError, match="Input validation error: bad"):
        SHAPER.completion(outcome)
    assert script.closed == ["all"]


def test_a_stream_that_closes_before_any_event_raises_at_create() -> None:
    outcome = run_flow(CONFIG, "/chat/completions", CHAT, Script(streams=[[]]))

    assert isinstance(outcome, Reply)
    with pytest.raises(openai0.error.APIError, match="ended before its final event"):
        SHAPER.completion(outcome)


def test_a_stream_that_closes_after_tokens_ends_in_an_error_chunk() -> None:
    script = Script(streams=[[event(" Hi")]])
    outcome = run_flow(CONFIG, "/chat/completions", CHAT, script)
    assert isinstance(outcome, Streaming)

    decoder, headers = SSEDecoder(), response_headers(outcome.headers)
    frames = [frame for data in script.relay(outcome) for frame in decoder.feed(data)]
    *first, end = frames

    assert [SHAPER.chunk(frame, headers).choices[0].delta.get("content") for frame in first] == ["", "Hi"]
    with pytest.raises(openai0.error.APIError, match="ended before its final event"):
        SHAPER.chunk(end, headers)

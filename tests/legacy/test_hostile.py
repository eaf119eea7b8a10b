"""openai 0.28 against servers that answer what no TGI answers (openai >= 1: tests/reliability/test_hostile.py).

A complete stream arrives although the connection stays open; a malformed, encoded, redirected or
oversized answer is an `openai.error.APIError`, after one request.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

import easyllm_shim

from ..conftest import HF_TOKEN, LLAMA
from ..hostile import HostileServer, chunk, event_stream_head, events, response
from ..reliability.test_hostile import (
    BODIES,
    EVENTS,
    MALFORMED_BODIES,
    MALFORMED_EVENTS,
    STATUSES,
    answer_body,
    final,
    token,
)
from .sdk0 import LegacySDK, openai0

MESSAGES = [{"role": "user", "content": "Hi"}]
GENERATION = ("/generate", "/generate_stream")


@pytest.fixture
def hostile() -> Iterator[Any]:
    servers: list[HostileServer] = []

    def start(generation: bytes, **options: Any) -> HostileServer:
        server = HostileServer(lambda method, path: generation if path in GENERATION else None, **options)
        servers.append(server.__enter__())
        easyllm_shim.patch(api_base=server.url, token=HF_TOKEN)
        return server

    yield start
    for server in servers:
        server.__exit__()


def generation_requests(server: HostileServer) -> list[str]:
    return [path for _, path in server.requests if path in GENERATION]


@pytest.mark.parametrize(("keepalive", "keepalives"), [(b"", 0), (chunk(b":\n\n"), 50)], ids=["silent", "keep-alive"])
@pytest.mark.parametrize(
    "stream",
    [events(token(" Hello"), final(" there", "Hello there")), events(final(" Hello there", "Hello there", 1))],
    ids=["token then final event", "final event first"],
)
def test_a_complete_stream_is_delivered_though_the_server_keeps_the_connection_open(
    hostile: Any, legacy: LegacySDK, stream: bytes, keepalive: bytes, keepalives: int
) -> None:
    # Nothing waits on the open connection; the timeout makes a shim that does fail instead of hang.
    hostile(event_stream_head() + stream, hold=True, keepalive=keepalive, keepalives=keepalives)
    streamed = legacy.stream(model=LLAMA, messages=MESSAGES, request_timeout=10)
    assert streamed.content == "Hello there"


@pytest.mark.parametrize("body", list(MALFORMED_BODIES.values()), ids=list(MALFORMED_BODIES))
def test_a_malformed_answer_is_an_api_error(hostile: Any, legacy: LegacySDK, body: Any) -> None:
    server = hostile(response(200, body))
    with pytest.raises(openai0.error.APIError) as raised:
        legacy.create(model=LLAMA, messages=MESSAGES)
    assert raised.value.http_status == 502
    assert generation_requests(server) == ["/generate"]


@pytest.mark.parametrize("where", ["first", "after a token"])
@pytest.mark.parametrize("event", list(MALFORMED_EVENTS.values()), ids=list(MALFORMED_EVENTS))
def test_a_malformed_stream_event_is_an_api_error(
    hostile: Any, legacy: LegacySDK, event: dict[str, Any], where: str
) -> None:
    before = [token(" Hello")] if where != "first" else []
    hostile(event_stream_head() + events(*before, event) + b"0\r\n\r\n")
    with pytest.raises(openai0.error.APIError):
        legacy.stream(model=LLAMA, messages=MESSAGES)


@pytest.mark.parametrize("status", [201, 302, 307])
@pytest.mark.parametrize("stream", [False, True], ids=["", "stream"])
def test_a_status_other_than_200_is_no_answer(hostile: Any, legacy: LegacySDK, status: int, stream: bool) -> None:
    headers = [("location", "http://127.0.0.1:9/elsewhere"), ("content-type", "application/json")]
    server = hostile(response(status, json.dumps(answer_body()).encode(), headers))
    with pytest.raises(openai0.error.APIError, match=f"HTTP {status}"):
        legacy.create(model=LLAMA, messages=MESSAGES, stream=stream)
    assert len(generation_requests(server)) == 1


@pytest.mark.parametrize("stream", [False, True], ids=["", "stream"])
def test_an_encoded_answer_the_shim_did_not_ask_for_is_refused(hostile: Any, legacy: LegacySDK, stream: bool) -> None:
    body = gzip.compress(json.dumps(answer_body()).encode())
    hostile(response(200, body, [("content-type", "application/json"), ("content-encoding", "gzip")]))
    with pytest.raises(openai0.error.APIError, match="gzip"):
        legacy.create(model=LLAMA, messages=MESSAGES, stream=stream)


def test_a_body_past_the_cap_is_refused(hostile: Any, legacy: LegacySDK) -> None:
    from easyllm_shim._upstream.limits import MAX_BODY_BYTES

    hostile(response(200, answer_body("x" * MAX_BODY_BYTES)))
    with pytest.raises(openai0.error.APIError, match="larger than"):
        legacy.create(model=LLAMA, messages=MESSAGES)


def test_an_event_past_the_cap_is_an_api_error(hostile: Any, legacy: LegacySDK) -> None:
    from easyllm_shim._translate.sse import MAX_EVENT_BYTES

    line = b"data: " + b"x" * 2**16 + b"\n"
    hostile(event_stream_head() + events(token(" Hello")) + chunk(line) * (MAX_EVENT_BYTES // len(line) + 2))
    with pytest.raises(openai0.error.APIError, match="larger than"):
        legacy.stream(model=LLAMA, messages=MESSAGES)


@settings(deadline=None, max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(status=STATUSES, body=BODIES)
def test_any_answer_is_an_openai_exception_or_the_answer(legacy: LegacySDK, status: int, body: bytes) -> None:
    with HostileServer(lambda method, path: response(status, body) if path in GENERATION else None) as server:
        easyllm_shim.patch(api_base=server.url, token=HF_TOKEN)
        try:
            answer = legacy.create(model=LLAMA, messages=MESSAGES)
        except openai0.error.OpenAIError:
            return
    assert answer.choices[0].message.content == json.loads(body)["generated_text"]


@settings(deadline=None, max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(stream=EVENTS)
def test_any_stream_is_an_openai_exception_or_the_answer(legacy: LegacySDK, stream: list[Any]) -> None:
    wire = event_stream_head() + events(*stream) + b"0\r\n\r\n"
    with HostileServer(lambda method, path: wire if path in GENERATION else None) as server:
        easyllm_shim.patch(api_base=server.url, token=HF_TOKEN)
        try:
            content = legacy.stream(model=LLAMA, messages=MESSAGES).content
        except openai0.error.OpenAIError:
            return
    tokens = [event["token"] for event in stream if isinstance(event, dict) and isinstance(event.get("token"), dict)]
    assert content == "".join(token["text"] for token in tokens if not token.get("special"))

"""Injected faults: what the client sees, which request takes them, and how often."""

from __future__ import annotations

import time
from typing import Any

import httpx2 as httpx
import pytest

from easyllm_shim.testing import TGIServer
from easyllm_shim.testing.loopback._faults import Fault, FaultQueue, fault_response

from .conftest import sse_events, sse_payloads

GENERATE = {"inputs": "Hello", "parameters": {"details": True}}
CHAT = {"model": "tgi", "messages": [{"role": "user", "content": "Hi"}], "stream": True}


@pytest.fixture
def replying(tgi_server: TGIServer) -> TGIServer:
    tgi_server.reply = "one two three four"  # 4 tokens and EOS
    return tgi_server


def test_fail_next_with_a_json_body(tgi_server: TGIServer, client: httpx.Client) -> None:
    tgi_server.fail_next(429, {"error": "Model is overloaded", "error_type": "overloaded"})
    response = client.post("/generate", json=GENERATE)
    assert (response.status_code, response.headers["content-type"]) == (429, "application/json")
    assert response.json() == {"error": "Model is overloaded", "error_type": "overloaded"}
    assert client.post("/generate", json=GENERATE).status_code == 200  # used once


@pytest.mark.parametrize(
    ("body", "headers", "content", "content_type"),
    [
        ("Bad gateway", None, b"Bad gateway", "text/plain; charset=utf-8"),
        (b"\x00raw", {"Content-Type": "application/octet-stream"}, b"\x00raw", "application/octet-stream"),
        (None, None, b"", None),
        ([1, 2], {"Retry-After": "3"}, b"[1,2]", "application/json"),
    ],
)
def test_fail_next_bodies_and_headers(
    tgi_server: TGIServer, client: httpx.Client, body: Any, headers: Any, content: bytes, content_type: str | None
) -> None:
    tgi_server.fail_next(502, body, headers=headers)
    response = client.post("/generate", json=GENERATE)
    assert (response.status_code, response.content, response.headers.get("content-type")) == (
        502,
        content,
        content_type,
    )
    if headers:
        assert all(response.headers[name] == value for name, value in headers.items())


def test_fail_next_times_and_paths(tgi_server: TGIServer, client: httpx.Client) -> None:
    tgi_server.fail_next(500, times=2)
    tgi_server.fail_next(404, path="/info")
    assert client.get("/info").status_code == 404
    assert client.post("/tokenize", json=GENERATE).status_code == 200  # not a generation route
    assert [client.post(route, json=GENERATE).status_code for route in ("/", "/generate_stream", "/")] == [
        500,
        500,
        200,
    ]


def test_faults_come_before_auth_like_a_gateway(tgi_server_factory: Any) -> None:
    server: TGIServer = tgi_server_factory(api_key="k")
    server.fail_next(503)
    with httpx.Client(base_url=server.url) as client:
        assert client.post("/generate", json=GENERATE).status_code == 503


def test_loading_next(tgi_server: TGIServer, client: httpx.Client) -> None:
    tgi_server.loading_next(2.5, times=2)
    for _ in range(2):
        response = client.post("/v1/chat/completions", json=CHAT)
        assert response.status_code == 503
        assert response.json() == {
            "error": "Model meta-llama/Llama-2-7b-chat-hf is currently loading",
            "estimated_time": 2.5,
        }
    assert client.post("/v1/chat/completions", json=CHAT).status_code == 200


def read_until_cut(client: httpx.Client, route: str, body: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    with client.stream("POST", route, json=body) as response:
        assert response.status_code == 200
        with pytest.raises(httpx.RemoteProtocolError):
            lines.extend(response.iter_lines())
    return sse_payloads("\n".join(lines))


def test_cut_next_stream(replying: TGIServer, client: httpx.Client) -> None:
    replying.cut_next_stream(after_events=2)
    payloads = read_until_cut(client, "/generate_stream", GENERATE)
    assert [event["index"] for event in map(sse_events_one, payloads)] == [1, 2]
    assert len(sse_events(client.post("/generate_stream", json=GENERATE).text)) == 5  # used once


def sse_events_one(payload: str) -> Any:
    return sse_events(f"data: {payload}")[0]


def test_cut_never_lets_the_final_event_through(replying: TGIServer, client: httpx.Client) -> None:
    replying.cut_next_stream(after_events=99)
    payloads = read_until_cut(client, "/generate_stream", GENERATE)
    assert len(payloads) == 4
    assert all(sse_events_one(p)["generated_text"] is None for p in payloads)


def test_cut_chat_stream_has_no_done(replying: TGIServer, client: httpx.Client) -> None:
    replying.cut_next_stream(after_events=1)
    assert len(read_until_cut(client, "/v1/chat/completions", CHAT)) == 1


def test_stream_faults_wait_for_a_stream(replying: TGIServer, client: httpx.Client) -> None:
    replying.cut_next_stream()
    assert client.post("/generate", json=GENERATE).status_code == 200
    read_until_cut(client, "/", {**GENERATE, "stream": True})


def test_malformed_next_stream(replying: TGIServer, client: httpx.Client) -> None:
    replying.malformed_next_stream(after_events=1)
    payloads = sse_payloads(client.post("/generate_stream", json=GENERATE).text)
    assert payloads[1] == "{not json"
    assert len(payloads) == 6
    assert sse_events_one(payloads[-1])["generated_text"] == " one two three four"


def test_error_next_stream(replying: TGIServer, client: httpx.Client) -> None:
    replying.error_next_stream(after_events=2)
    events = sse_events(client.post("/generate_stream", json=GENERATE).text)
    assert [e.get("index") for e in events[:2]] == [1, 2]
    assert events[2:] == [{"error": "Request failed during generation: CUDA out of memory", "error_type": "generation"}]


def test_error_next_stream_with_own_message(replying: TGIServer, client: httpx.Client) -> None:
    replying.error_next_stream(0, message="Model is overloaded", error_type="overloaded")
    events = sse_events(client.post("/generate_stream", json=GENERATE).text)
    assert events == [{"error": "Model is overloaded", "error_type": "overloaded"}]


def test_error_in_a_chat_stream_is_openai_shaped(replying: TGIServer, client: httpx.Client) -> None:
    replying.error_next_stream(after_events=1)
    events = sse_events(client.post("/v1/chat/completions", json=CHAT).text)
    message = "Request failed during generation: CUDA out of memory"
    assert events[1:] == [{"error": {"message": message, "http_status_code": 422}}, "[DONE]"]


def test_stall_next_delays_the_answer(tgi_server: TGIServer, client: httpx.Client) -> None:
    tgi_server.stall_next(0.3)
    started = time.monotonic()
    assert client.post("/generate", json=GENERATE).status_code == 200
    assert time.monotonic() - started >= 0.25


def test_stall_next_can_outlast_a_client_timeout(tgi_server: TGIServer) -> None:
    tgi_server.stall_next(30)
    with httpx.Client(base_url=tgi_server.url, timeout=0.2) as client, pytest.raises(httpx.ReadTimeout):
        client.post("/generate", json=GENERATE)
    started = time.monotonic()
    tgi_server.stop()  # a stall does not hold up stop()
    assert time.monotonic() - started < 10


def test_stall_after_events(replying: TGIServer, client: httpx.Client) -> None:
    replying.stall_next(0.3, after_events=2)
    started = time.monotonic()
    with client.stream("POST", "/generate_stream", json=GENERATE) as response:
        lines = [line for line in response.iter_lines() if line]
    assert time.monotonic() - started >= 0.25
    assert len(lines) == 5


def test_queue_is_first_in_first_out() -> None:
    queue = FaultQueue({"/generate"}.__contains__)
    queue.add(Fault("respond", None, response=fault_response(500, None, {})))
    queue.add(Fault("stall", None, seconds=1))
    first, second = queue.take_before("/generate"), queue.take_before("/generate")
    assert (first and first.kind, second and second.kind) == ("respond", "stall")
    assert queue.take_before("/generate") is None


def test_times_must_be_positive(tgi_server: TGIServer) -> None:
    with pytest.raises(ValueError, match="times must be at least 1"):
        tgi_server.fail_next(500, times=0)


def test_counts_and_delays_cannot_be_negative(tgi_server: TGIServer) -> None:
    with pytest.raises(ValueError, match="cannot be negative"):
        tgi_server.cut_next_stream(-1)
    with pytest.raises(ValueError, match="cannot be negative"):
        tgi_server.stall_next(-0.5)

"""The native routes' answers: shapes, headers and SSE framing as TGI sends them."""

from __future__ import annotations

import json
from typing import Any

import httpx2 as httpx
import pytest

from easyllm_shim.testing import TGIServer

from .conftest import sse_events, sse_payloads

TIMING_HEADERS = ("x-total-time", "x-validation-time", "x-queue-time", "x-inference-time", "x-time-per-token")


@pytest.fixture
def replying(tgi_server: TGIServer, client: httpx.Client) -> httpx.Client:
    tgi_server.reply = "Hi!"  # " Hi", "!", "</s>"
    return client


def post(client: httpx.Client, route: str, inputs: str = "Hello", **fields: Any) -> httpx.Response:
    return client.post(route, json={"inputs": inputs, **fields})


def test_generate_without_details_has_only_the_text(replying: httpx.Client) -> None:
    assert post(replying, "/generate", parameters={}).json() == {"generated_text": " Hi!"}


def test_generate_details_in_tgi_field_order(replying: httpx.Client) -> None:
    details = post(replying, "/generate", parameters={"details": True}).json()["details"]
    assert list(details) == ["finish_reason", "generated_tokens", "seed", "prefill", "tokens"]
    assert [list(token) for token in details["tokens"]] == [["id", "text", "logprob", "special"]] * 3


def test_generate_headers(replying: httpx.Client) -> None:
    headers = post(replying, "/generate", parameters={}).headers
    assert headers["content-type"] == "application/json"
    assert headers["x-compute-type"] == "gpu+optimized"
    assert float(headers["x-compute-time"]) >= 0
    assert "e" not in headers["x-compute-time"]
    assert all(headers[name].isdigit() for name in TIMING_HEADERS)
    assert (headers["x-compute-characters"], headers["x-prompt-tokens"], headers["x-generated-tokens"]) == (
        "5",
        "2",
        "3",
    )
    assert int(headers["content-length"]) > 0


def test_compat_route_answers_a_one_element_list_with_the_prompt(replying: httpx.Client) -> None:
    body = post(replying, "/", parameters={"details": True}).json()
    assert isinstance(body, list)
    assert len(body) == 1
    assert body[0]["generated_text"] == "Hello Hi!"  # return_full_text null means true here
    assert body[0]["details"]["finish_reason"] == "eos_token"


def test_compat_route_respects_an_explicit_return_full_text(replying: httpx.Client) -> None:
    assert post(replying, "/", parameters={"return_full_text": False}).json() == [{"generated_text": " Hi!"}]


def test_compat_route_without_parameters(replying: httpx.Client) -> None:
    assert post(replying, "/").json() == [{"generated_text": "Hello Hi!"}]


def test_compat_route_streams_on_request(replying: httpx.Client) -> None:
    response = post(replying, "/", stream=True, parameters={})
    assert response.headers["content-type"] == "text/event-stream"
    assert sse_events(response.text)[-1]["generated_text"] == "Hello Hi!"


def test_stream_headers_and_chunked_body(replying: httpx.Client) -> None:
    headers = post(replying, "/generate_stream", parameters={}).headers
    assert headers["content-type"] == "text/event-stream"
    assert headers["cache-control"] == "no-cache"
    assert headers["x-accel-buffering"] == "no"
    assert headers["x-compute-type"] == "gpu+optimized"
    assert headers["x-compute-characters"] == "5"
    assert headers["transfer-encoding"] == "chunked"
    assert "content-length" not in headers


def test_stream_events_are_compact_data_lines(replying: httpx.Client) -> None:
    text = post(replying, "/generate_stream", parameters={}).text
    frames = text.split("\n\n")
    assert frames[-1] == ""
    assert all(frame.startswith("data: {") and "\n" not in frame for frame in frames[:-1])
    assert all(json.dumps(json.loads(p), separators=(",", ":"), ensure_ascii=False) == p for p in sse_payloads(text))


def test_stream_token_events(replying: httpx.Client) -> None:
    events = sse_events(post(replying, "/generate_stream", parameters={}).text)
    assert [e["index"] for e in events] == [1, 2, 3]
    assert [list(e) for e in events] == [["index", "token", "generated_text", "details"]] * 3
    assert [e["token"]["text"] for e in events] == [" Hi", "!", "</s>"]
    assert [e["generated_text"] for e in events] == [None, None, " Hi!"]
    assert [e["details"] for e in events] == [None, None, None]  # details were not asked for
    assert "[DONE]" not in sse_payloads(post(replying, "/generate_stream").text)


def test_stream_final_details_when_asked(replying: httpx.Client) -> None:
    last = sse_events(post(replying, "/generate_stream", parameters={"details": True, "seed": 9}).text)[-1]
    assert last["details"] == {"finish_reason": "eos_token", "generated_tokens": 3, "seed": None, "input_length": 2}


def test_stream_top_tokens_per_event(replying: httpx.Client) -> None:
    events = sse_events(post(replying, "/generate_stream", parameters={"top_n_tokens": 2}).text)
    assert [list(e) for e in events] == [["index", "token", "top_tokens", "generated_text", "details"]] * 3
    assert all(len(e["top_tokens"]) == 2 and e["top_tokens"][0] == e["token"] for e in events)


def test_stream_full_text_and_stop(replying: httpx.Client) -> None:
    parameters = {"return_full_text": True, "stop": ["Hi"], "details": True}
    last = sse_events(post(replying, "/generate_stream", parameters=parameters).text)[-1]
    assert (last["generated_text"], last["details"]["finish_reason"], last["index"]) == ("Hello Hi", "stop_sequence", 1)


def test_stream_and_generate_agree(client: httpx.Client) -> None:
    generated = post(client, "/generate", parameters={"details": True}).json()
    events = sse_events(post(client, "/generate_stream", parameters={"details": True}).text)
    assert [e["token"] for e in events] == generated["details"]["tokens"]
    assert events[-1]["generated_text"] == generated["generated_text"]


def test_tokenize(client: httpx.Client) -> None:
    assert post(client, "/tokenize", "Hi there").json() == [
        {"id": 1, "text": "", "start": 0, "stop": 0},
        {"id": client.post("/tokenize", json={"inputs": "Hi"}).json()[1]["id"], "text": "Hi", "start": 0, "stop": 2},
        {"id": post(client, "/tokenize", "x there").json()[2]["id"], "text": " there", "start": 2, "stop": 8},
    ]


def test_tokenize_does_not_validate(client: httpx.Client) -> None:
    assert post(client, "/tokenize", "", parameters={"temperature": 0}).json() == [
        {"id": 1, "text": "", "start": 0, "stop": 0}
    ]


def test_info_reflects_the_constructor(tgi_server_factory: Any) -> None:
    server = tgi_server_factory("bigscience/bloom-560m", max_input_tokens=1024, max_total_tokens=2048, version="2.4.1")
    with httpx.Client(base_url=server.url) as client:
        info = client.get("/info").json()
    assert info == {
        "model_id": "bigscience/bloom-560m",
        "model_sha": None,
        "model_pipeline_tag": "text-generation",
        "max_concurrent_requests": 128,
        "max_best_of": 2,
        "max_stop_sequences": 4,
        "max_input_tokens": 1024,
        "max_total_tokens": 2048,
        "validation_workers": 2,
        "max_client_batch_size": 4,
        "router": "text-generation-router",
        "version": "2.4.1",
        "sha": None,
        "docker_label": None,
    }


@pytest.mark.parametrize("route", ["/health", "/", "/ping"])
def test_health(tgi_server: TGIServer, client: httpx.Client, route: str) -> None:
    healthy = client.get(route)
    assert (healthy.status_code, healthy.content) == (200, b"")
    tgi_server.set_unhealthy()
    sick = client.get(route)
    assert (sick.status_code, sick.json()) == (503, {"error": "unhealthy", "error_type": "healthcheck"})
    tgi_server.set_unhealthy(False)
    assert client.get(route).status_code == 200


def test_models(client: httpx.Client) -> None:
    model = "meta-llama/Llama-2-7b-chat-hf"
    expected = {"object": "list", "data": [{"id": model, "object": "model", "created": 0, "owned_by": model}]}
    assert client.get("/v1/models").json() == expected

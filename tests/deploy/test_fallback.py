"""EASYLLM_FALLBACK: a call whose backend fails is re-issued once on the fallback model, through the caller's path."""

from __future__ import annotations

from pathlib import Path

import openai
import pytest

import easyllm_shim
from easyllm_shim.testing import TGIServer

from ..conftest import HF_TOKEN, LLAMA
from ..openai_standin import OpenAIStandIn
from ..sdk import OPENAI_KEY, SDK
from ..wire import every_header_value, generate_calls, refused_url
from .conftest import fresh_env, read_log, run_app, served

MESSAGES = [{"role": "user", "content": "Hi"}]
OVERLOADED = {"error": "Model is overloaded", "error_type": "overloaded"}


def test_a_refused_tgi_endpoint_falls_back_to_openai(openai_api: OpenAIStandIn, tmp_path: Path) -> None:
    log = tmp_path / "events.jsonl"
    env = fresh_env(
        openai_api.url,
        HF_TOKEN=HF_TOKEN,
        EASYLLM_ENDPOINTS=f"{LLAMA}={refused_url()}",
        EASYLLM_FALLBACK=f"{LLAMA}=gpt-4o-mini",
        EASYLLM_AB_LOG=str(log),
    )
    results = run_app(env, "--models", LLAMA, "--calls", "2", "--stream-every", "2", "--max-retries", "0")

    assert served(results) == ["gpt-4o-mini", "gpt-4o-mini"]
    assert [result["content"] for result in results] == ["from openai", "from openai"]
    assert [request.json()["model"] for request in openai_api.requests] == ["gpt-4o-mini", "gpt-4o-mini"]
    headers = every_header_value(openai_api.requests)
    assert f"authorization: Bearer {OPENAI_KEY}" in headers
    assert HF_TOKEN not in headers
    events = read_log(log)
    assert [(event["arm"], event["served"], event["backend"], event["fallback"]) for event in events] == [
        (LLAMA, "gpt-4o-mini", "openai", True)
    ] * 2
    assert all(event["fallback_reason"].startswith("APIConnectionError") for event in events)
    assert [event["error"] for event in events] == [None, None]


@pytest.fixture
def with_fallback(tgi: TGIServer, tmp_path: Path) -> Path:
    log = tmp_path / "events.jsonl"
    easyllm_shim.patch(api_base=tgi.url, token=HF_TOKEN, fallback={LLAMA: "gpt-4o-mini"}, ab_log=log)
    return log


@pytest.mark.parametrize("stream", [False, True])
def test_a_5xx_from_tgi_falls_back(
    with_fallback: Path, tgi: TGIServer, openai_api: OpenAIStandIn, sdk_no_retries: SDK, stream: bool
) -> None:
    tgi.fail_next(503, OVERLOADED)

    if stream:
        chunks = sdk_no_retries.stream(model=LLAMA, messages=MESSAGES).chunks
        assert {chunk.model for chunk in chunks} == {"gpt-4o-mini"}
    else:
        assert sdk_no_retries.create(model=LLAMA, messages=MESSAGES).model == "gpt-4o-mini"
    assert [request.json()["model"] for request in openai_api.requests] == ["gpt-4o-mini"]
    [event] = read_log(with_fallback)
    assert event["fallback"] is True
    assert "Error code: 503" in event["fallback_reason"]


def test_a_429_falls_back_only_after_the_sdk_retries(
    tgi: TGIServer, openai_api: OpenAIStandIn, asynchronous: bool
) -> None:
    easyllm_shim.patch(api_base=tgi.url, token=HF_TOKEN, fallback={LLAMA: "gpt-4o-mini"})
    tgi.fail_next(429, OVERLOADED, headers={"Retry-After": "0"}, times=2)
    sdk = SDK(asynchronous, openai_api.url, max_retries=1)

    assert sdk.create(model=LLAMA, messages=MESSAGES).model == "gpt-4o-mini"
    sdk.close()
    assert len(generate_calls(tgi)) == 2
    assert len(openai_api.requests) == 1


def test_errors_that_are_the_requests_own_fault_do_not_fall_back(
    with_fallback: Path, tgi: TGIServer, openai_api: OpenAIStandIn, sdk_no_retries: SDK
) -> None:
    with pytest.raises(openai.UnprocessableEntityError):
        sdk_no_retries.create(model=LLAMA, messages=MESSAGES, extra_body={"top_k": 0})

    assert openai_api.requests == []
    [event] = read_log(with_fallback)
    assert (event["fallback"], event["served"]) == (False, LLAMA)
    assert event["error"].startswith("UnprocessableEntityError")


def test_a_stream_that_fails_after_it_started_does_not_fall_back(
    with_fallback: Path, tgi: TGIServer, openai_api: OpenAIStandIn, sdk_no_retries: SDK
) -> None:
    tgi.cut_next_stream(after_events=2)

    with pytest.raises(openai.APIError):
        sdk_no_retries.stream(model=LLAMA, messages=MESSAGES)

    assert openai_api.requests == []
    [event] = read_log(with_fallback)
    assert (event["stream"], event["fallback"], event["served"]) == (True, False, LLAMA)
    assert event["error"] is not None


def test_an_openai_model_can_fall_back_to_a_hub_model(tgi: TGIServer, asynchronous: bool) -> None:
    easyllm_shim.patch(api_base=tgi.url, token=HF_TOKEN, fallback={"gpt-4o-mini": LLAMA})
    sdk = SDK(asynchronous, refused_url() + "/v1", max_retries=0)

    completion = sdk.create(model="gpt-4o-mini", messages=MESSAGES)
    sdk.close()

    assert (completion.model, completion.choices[0].message.content) == (LLAMA, "Hello there!")
    headers = every_header_value(tgi.requests)
    assert f"authorization: Bearer {HF_TOKEN}" in headers
    assert OPENAI_KEY not in headers


def test_when_the_fallback_fails_too_its_error_is_raised(tgi: TGIServer, sdk_no_retries: SDK, tmp_path: Path) -> None:
    log = tmp_path / "events.jsonl"
    easyllm_shim.patch(api_base=refused_url(), token=HF_TOKEN, fallback={LLAMA: "gpt-4o-mini"}, ab_log=log)
    sdk = SDK(sdk_no_retries.asynchronous, refused_url() + "/v1", max_retries=0)

    with pytest.raises(openai.APIConnectionError):
        sdk.create(model=LLAMA, messages=MESSAGES)
    sdk.close()

    [event] = read_log(log)
    assert (event["fallback"], event["served"], event["backend"]) == (True, "gpt-4o-mini", "openai")
    assert event["error"].startswith("APIConnectionError")

"""EASYLLM_AB_LOG: one whole JSON line per call an experiment, a model map or a fallback touched."""

from __future__ import annotations

import json
from pathlib import Path

import openai
import pytest

import easyllm_shim
from easyllm_shim._telemetry.events import error_text
from easyllm_shim.testing import TGIServer

from ..conftest import HF_TOKEN, LLAMA
from ..openai_standin import OpenAIStandIn
from ..sdk import OPENAI_KEY, SDK
from .conftest import fresh_env, read_log, results_of, served, start_app

MESSAGES = [{"role": "user", "content": "Hi"}]
FIELDS = {
    "time",
    "experiment",
    "requested",
    "arm",
    "served",
    "backend",
    "provider",
    "replica",
    "failovers",
    "stream",
    "latency_s",
    "ttft_s",
    "prompt_tokens",
    "completion_tokens",
    "outcome",
    "error",
    "fallback",
    "fallback_reason",
}


def test_the_log_is_complete_with_many_threads_and_processes_appending(
    tgi: TGIServer, openai_api: OpenAIStandIn, tmp_path: Path
) -> None:
    log = tmp_path / "events.jsonl"
    env = fresh_env(
        openai_api.url,
        HF_TOKEN=HF_TOKEN,
        HUGGINGFACE_API_BASE=tgi.url,
        EASYLLM_AB=f"gpt-4o-mini={LLAMA}:50",
        EASYLLM_AB_LOG=str(log),
    )
    apps = [
        start_app(env, "--threads", "8", "--calls", str(calls), "--stream-every", "4") for calls in (8 * 100, 8 * 25)
    ]
    results = [result for app in apps for result in results_of(app)]

    events = read_log(log)  # every line parses: no torn or interleaved writes
    assert len(events) == len(results) == 1000
    assert all(set(event) == FIELDS for event in events)
    assert sorted(event["served"] for event in events) == sorted(served(results))
    assert {(event["experiment"], event["requested"]) for event in events} == {("gpt-4o-mini", "gpt-4o-mini")}
    assert {(event["served"], event["backend"]) for event in events} == {(LLAMA, "tgi"), ("gpt-4o-mini", "openai")}
    streams = [event for event in events if event["stream"]]
    assert len(streams) == 200 + 50
    assert all(0 < event["ttft_s"] <= event["latency_s"] for event in streams)
    assert all(event["completion_tokens"] > 0 and event["error"] is None for event in events)
    assert {event["outcome"] for event in events} == {"completed"}


@pytest.fixture
def logged(tgi: TGIServer, tmp_path: Path) -> Path:
    log = tmp_path / "events.jsonl"
    easyllm_shim.patch(api_base=tgi.url, token=HF_TOKEN, model_map={"gpt-3.5-turbo": LLAMA}, ab_log=log)
    return log


def test_a_call_records_time_models_backend_latency_and_usage(logged: Path, sdk: SDK) -> None:
    completion = sdk.create(model="gpt-3.5-turbo", messages=MESSAGES)

    [event] = read_log(logged)
    assert event["time"].endswith("+00:00")
    assert (event["experiment"], event["requested"], event["arm"], event["served"]) == (
        None,
        "gpt-3.5-turbo",
        LLAMA,
        LLAMA,
    )
    assert (event["backend"], event["stream"], event["ttft_s"], event["error"], event["fallback"]) == (
        "tgi",
        False,
        None,
        None,
        False,
    )
    assert event["latency_s"] > 0
    assert completion.usage is not None
    assert (event["prompt_tokens"], event["completion_tokens"]) == (
        completion.usage.prompt_tokens,
        completion.usage.completion_tokens,
    )


ROUTER_CHUNK = {"id": "x", "object": "chat.completion.chunk", "created": 1, "model": LLAMA, "choices": []}
ROUTER_ANSWER = {
    "id": "x",
    "object": "chat.completion",
    "created": 1,
    "model": LLAMA,
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hi"}, "finish_reason": "stop"}],
}


def test_the_provider_hugging_faces_router_names_is_recorded(tgi: TGIServer, tmp_path: Path, sdk: SDK) -> None:
    log = tmp_path / "events.jsonl"
    easyllm_shim.patch(api_base=f"{tgi.url}/v1", token=HF_TOKEN, model_map={"gpt-3.5-turbo": LLAMA}, ab_log=log)
    provider = {"x-inference-provider": "together"}
    chat = "/v1/chat/completions"
    tgi.fail_next(200, ROUTER_ANSWER, headers=provider, path=chat)
    stream = f"data: {json.dumps(ROUTER_CHUNK)}\n\ndata: [DONE]\n\n".encode()
    tgi.fail_next(200, stream, headers={**provider, "content-type": "text/event-stream"}, path=chat)

    sdk.create(model="gpt-3.5-turbo", messages=MESSAGES)
    sdk.stream(model="gpt-3.5-turbo", messages=MESSAGES)
    sdk.create(model="gpt-3.5-turbo", messages=MESSAGES)  # TGI's own answer names no provider

    assert [event["provider"] for event in read_log(log)] == ["together", "together", None]


def test_a_stream_is_the_sdks_own_and_records_its_first_token_and_usage(logged: Path, sdk: SDK) -> None:
    streamed = sdk.stream(model="gpt-3.5-turbo", messages=MESSAGES, stream_options={"include_usage": True})

    assert type(streamed.stream) is (openai.AsyncStream if sdk.asynchronous else openai.Stream)
    assert streamed.stream.response is not None
    usage = streamed.chunks[-1].usage
    [event] = read_log(logged)
    assert event["stream"] is True
    assert 0 < event["ttft_s"] <= event["latency_s"]
    assert (event["prompt_tokens"], event["completion_tokens"]) == (usage.prompt_tokens, usage.completion_tokens)


def test_the_stream_helper_works_on_a_mapped_model_and_is_recorded(logged: Path, sdk: SDK) -> None:
    _, final = sdk.stream_helper(model="gpt-3.5-turbo", messages=MESSAGES)

    assert final.choices[0].message.content == "Hello there!"
    assert final.model == LLAMA
    [event] = read_log(logged)
    assert (event["stream"], event["served"], event["completion_tokens"]) == (True, LLAMA, 3)  # content chunks


def test_calls_nothing_touched_are_not_recorded(logged: Path, sdk: SDK) -> None:
    sdk.create(model=LLAMA, messages=MESSAGES)
    sdk.create(model="gpt-4o-mini", messages=MESSAGES)

    assert not logged.exists()


def test_error_text_names_the_class_and_never_a_secret() -> None:
    error = RuntimeError(f"refused {OPENAI_KEY} and {HF_TOKEN}, also hf_AbCdEfGhIjKlMn and sk-proj-0123456789")

    text = error_text(error, (OPENAI_KEY, HF_TOKEN))

    assert text.startswith("RuntimeError: refused")
    assert OPENAI_KEY not in text
    assert HF_TOKEN not in text
    assert "AbCdEfGhIjKlMn" not in text
    assert "0123456789" not in text

"""EASYLLM_MODEL_MAP, EASYLLM_ENDPOINTS and EASYLLM_DISABLE, in fresh interpreters configured by environment only."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

import easyllm_shim
from easyllm_shim.testing import TGIServer

from ..conftest import HF_TOKEN, LLAMA
from ..openai_standin import OpenAIStandIn
from ..sdk import SDK
from ..wire import generate_calls
from .conftest import Result, fresh_env, run_app, served

MISTRAL = "mistralai/Mistral-7B-Instruct-v0.2"
QWEN = "Qwen/Qwen2.5-7B-Instruct"
CALLED = ["gpt-3.5-turbo", "gpt-4", MISTRAL, QWEN, "gpt-4o-mini"]


@dataclass(frozen=True)
class Deployment:
    results: dict[str, list[Result]]  # by requested model
    llama_server: TGIServer
    mistral_server: TGIServer
    default_server: TGIServer
    openai: OpenAIStandIn


@pytest.fixture(scope="module")
def deployment() -> Iterator[Deployment]:
    """One app, one run: two calls per model, the second streamed."""
    with (
        TGIServer(reply="Llama's server.") as llama_server,
        TGIServer(MISTRAL, reply="Mistral's server.") as mistral_server,
        TGIServer(QWEN, reply="The default server.") as default_server,
        OpenAIStandIn() as openai,
    ):
        env = fresh_env(
            openai.url,
            HF_TOKEN=HF_TOKEN,
            HUGGINGFACE_API_BASE=default_server.url,
            EASYLLM_MODEL_MAP=f"gpt-3.5-turbo={LLAMA};gpt-4=gpt-4o",
            EASYLLM_ENDPOINTS=f"{LLAMA}={llama_server.url};{MISTRAL}={mistral_server.url}/",
        )
        results = run_app(env, "--models", ",".join(CALLED), "--calls", str(2 * len(CALLED)), "--stream-every", "2")
        by_model: dict[str, list[Result]] = {}
        for result in results:
            by_model.setdefault(result["requested"], []).append(result)
        yield Deployment(by_model, llama_server, mistral_server, default_server, openai)


def test_the_model_map_sends_a_mapped_model_to_its_hub_model(deployment: Deployment) -> None:
    results = deployment.results["gpt-3.5-turbo"]

    assert served(results) == [LLAMA, LLAMA]  # `response.model` is the model that served, in streams too
    assert [result["content"] for result in results] == ["Llama's server.", "Llama's server."]
    assert [call.path for call in generate_calls(deployment.llama_server)] == ["/generate_stream", "/generate"]


def test_the_model_map_can_rewrite_to_another_openai_model(deployment: Deployment) -> None:
    results = deployment.results["gpt-4"]

    assert served(results) == ["gpt-4o", "gpt-4o"]
    assert [result["content"] for result in results] == ["from openai", "from openai"]
    sent = [request.json()["model"] for request in deployment.openai.requests]
    assert sent.count("gpt-4o") == 2
    assert "gpt-4" not in sent


def test_each_model_goes_to_its_own_endpoint_and_the_rest_to_the_api_base(deployment: Deployment) -> None:
    assert [result["content"] for result in deployment.results[MISTRAL]] == ["Mistral's server."] * 2
    assert [result["content"] for result in deployment.results[QWEN]] == ["The default server."] * 2
    assert served(deployment.results[QWEN]) == [QWEN, QWEN]
    assert len(generate_calls(deployment.mistral_server)) == 2
    assert len(generate_calls(deployment.default_server)) == 2


def test_models_nothing_names_pass_through_untouched(deployment: Deployment) -> None:
    assert served(deployment.results["gpt-4o-mini"]) == ["gpt-4o-mini", "gpt-4o-mini"]
    assert [request.json()["model"] for request in deployment.openai.requests].count("gpt-4o-mini") == 2


def test_the_kill_switch_leaves_every_call_to_openai(tgi: TGIServer, openai_api: OpenAIStandIn) -> None:
    env = fresh_env(
        openai_api.url,
        HF_TOKEN=HF_TOKEN,
        HUGGINGFACE_API_BASE=tgi.url,
        EASYLLM_DISABLE="1",
        EASYLLM_MODEL_MAP=f"gpt-4={LLAMA}",
        EASYLLM_AB="not a valid experiment",  # not even validated: the switch must work when the rest is broken
    )
    results = run_app(env, "--models", f"{LLAMA},gpt-4", "--calls", "2")

    assert served(results) == [LLAMA, "gpt-4"]
    assert [request.json()["model"] for request in openai_api.requests] == [LLAMA, "gpt-4"]
    assert tgi.requests == []


MESSAGES = [{"role": "user", "content": "Hi"}]


@pytest.mark.parametrize(
    "rules",
    [{"model_map": {"gpt-3.5-turbo": LLAMA}}, {"ab": {"gpt-3.5-turbo": {LLAMA: 100}}}],
    ids=["model_map", "ab"],
)
def test_every_entry_point_serves_the_chosen_model_and_says_so(tgi: TGIServer, sdk: SDK, rules: dict[str, Any]) -> None:
    easyllm_shim.patch(api_base=tgi.url, token=HF_TOKEN, **rules)
    asked = {"model": "gpt-3.5-turbo", "messages": MESSAGES}

    completion = sdk.create(**asked)
    chunks = sdk.stream(**asked).chunks
    _, raw_parsed = sdk.raw(**asked)
    _, streamed_parsed = sdk.streaming_response(**asked)
    parsed = sdk.parse(**asked)
    _, final = sdk.stream_helper(**asked)

    answers = [completion, raw_parsed, streamed_parsed, parsed, final]
    assert [answer.model for answer in answers] == [LLAMA] * 5
    assert [answer.choices[0].message.content for answer in answers] == ["Hello there!"] * 5
    assert {chunk.model for chunk in chunks} == {LLAMA}
    assert len(generate_calls(tgi)) == 6


def test_a_rewrite_to_an_openai_model_changes_nothing_else_in_the_request(
    tgi: TGIServer, openai_api: OpenAIStandIn, sdk: SDK
) -> None:
    sdk.create(model="gpt-4o", messages=MESSAGES, temperature=0.2, user="alice")
    easyllm_shim.patch(api_base=tgi.url, token=HF_TOKEN, model_map={"gpt-4": "gpt-4o"})
    completion = sdk.create(model="gpt-4", messages=MESSAGES, temperature=0.2, user="alice")

    assert completion.model == "gpt-4o"
    unpatched, rewritten = openai_api.requests
    assert (rewritten.path, rewritten.body) == (unpatched.path, unpatched.body)
    volatile = {"x-stainless-retry-count", "x-stainless-read-timeout", "idempotency-key"}
    assert {k: v for k, v in rewritten.headers.items() if k not in volatile} == {
        k: v for k, v in unpatched.headers.items() if k not in volatile
    }

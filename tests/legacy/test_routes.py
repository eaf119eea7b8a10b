"""Text completions and embeddings through openai 0.28's `Completion` and `Embedding` (issue 6), sync and async."""

from __future__ import annotations

import base64
import json
import struct
import types
import urllib.request
from typing import Any

import pytest

import easyllm_shim
from easyllm_shim.testing import TGIServer

from ..conftest import HF_TOKEN, LLAMA
from ..openai_standin import OpenAIStandIn
from .sdk0 import LegacySDK, openai0

EMBEDDER = "BAAI/bge-small-en-v1.5"


def calls(server: TGIServer, *paths: str) -> list[Any]:
    return [request for request in server.requests if request.path in paths]


def test_a_completion_sends_the_raw_prompt(patched: TGIServer, legacy: LegacySDK) -> None:
    completion = legacy.create("Completion", model=LLAMA, prompt="The capital of France is", max_tokens=8)

    assert type(completion) is openai0.openai_object.OpenAIObject
    assert completion.object == "text_completion"
    assert completion.id.startswith("cmpl-")
    assert completion.model == LLAMA
    assert (completion.choices[0].text, completion.choices[0].finish_reason) == (" Hello there!", "stop")
    assert completion.usage.completion_tokens == 4
    [call] = calls(patched, "/generate")
    assert call.json()["inputs"] == "The capital of France is"  # no chat template
    assert call.json()["parameters"]["max_new_tokens"] == 8


def test_several_prompts_and_choices(patched: TGIServer, legacy: LegacySDK) -> None:
    completion = legacy.create("Completion", model=LLAMA, prompt=["one", "two"], n=2, echo=True)

    assert [choice.index for choice in completion.choices] == [0, 1, 2, 3]
    assert [choice.text for choice in completion.choices][::2] == ["one Hello there!", "two Hello there!"]
    assert len(calls(patched, "/generate")) == 4


def test_a_streamed_completion_is_a_generator_of_chunks(patched: TGIServer, legacy: LegacySDK) -> None:
    streamed = legacy.stream("Completion", model=LLAMA, prompt="Hi", stop=["!"])

    expected = types.AsyncGeneratorType if legacy.asynchronous else types.GeneratorType
    assert isinstance(streamed.stream, expected)
    chunks = streamed.chunks
    assert all(type(chunk) is openai0.openai_object.OpenAIObject for chunk in chunks)
    assert all(chunk.object == "text_completion" for chunk in chunks)
    assert "".join(chunk.choices[0].text for chunk in chunks if chunk.choices) == " Hello there"
    assert [chunk.choices[0].finish_reason for chunk in chunks if chunk.choices][-1] == "stop"
    assert [call.path for call in calls(patched, "/generate", "/generate_stream")] == ["/generate_stream"]


def test_a_bad_completion_request_raises_before_any_network_call(patched: TGIServer, legacy: LegacySDK) -> None:
    with pytest.raises(openai0.error.InvalidRequestError) as raised:
        legacy.create("Completion", model=LLAMA, prompt="Hi", logit_bias={"50256": -100})

    assert raised.value.param == "logit_bias"
    assert calls(patched, "/generate", "/generate_stream") == []


@pytest.fixture
def embedder(tgi_server_factory: Any) -> TGIServer:
    server: TGIServer = tgi_server_factory(model_id=EMBEDDER, embedding_dimensions=16)
    easyllm_shim.patch(api_base=server.url, token=HF_TOKEN)
    return server


def tei_vectors(server: TGIServer, inputs: list[str]) -> list[list[float]]:
    request = urllib.request.Request(
        server.url + "/embed", json.dumps({"inputs": inputs}).encode(), {"content-type": "application/json"}
    )
    with urllib.request.urlopen(request) as answer:
        vectors: list[list[float]] = json.loads(answer.read())
    return vectors


def test_embeddings_are_lists_of_floats_by_default_as_0_28_returns_them(embedder: TGIServer, legacy: LegacySDK) -> None:
    response = legacy.create("Embedding", model=EMBEDDER, input=["alpha", "beta"])

    assert type(response) is openai0.openai_object.OpenAIObject
    assert response.object == "list"
    assert response.model == EMBEDDER
    assert [item.index for item in response.data] == [0, 1]
    assert response.usage.prompt_tokens == response.usage.total_tokens > 0
    [call] = calls(embedder, "/embed")
    assert call.json()["inputs"] == ["alpha", "beta"]
    for item, vector in zip(response.data, tei_vectors(embedder, ["alpha", "beta"]), strict=True):
        assert item.embedding == pytest.approx(vector)


def test_base64_embeddings_when_asked_for(embedder: TGIServer, legacy: LegacySDK) -> None:
    response = legacy.create("Embedding", model=EMBEDDER, input="alpha", encoding_format="base64")

    packed = base64.b64decode(response.data[0].embedding)
    [vector] = tei_vectors(embedder, ["alpha"])
    assert list(struct.unpack(f"<{len(vector)}f", packed)) == pytest.approx(vector, rel=1e-6)


def test_a_bad_embedding_request_raises_before_any_network_call(embedder: TGIServer, legacy: LegacySDK) -> None:
    with pytest.raises(openai0.error.InvalidRequestError) as raised:
        legacy.create("Embedding", model=EMBEDDER, input=[])

    assert raised.value.param == "input"
    assert calls(embedder, "/embed") == []


@pytest.mark.parametrize(
    ("resource", "kwargs"),
    [
        ("Completion", {"model": "gpt-3.5-turbo-instruct", "prompt": "Hi", "max_tokens": 3}),
        ("Embedding", {"model": "text-embedding-ada-002", "input": "Hi"}),
    ],
)
def test_other_models_pass_through_the_identical_request(
    tgi: TGIServer, openai_api: OpenAIStandIn, legacy: LegacySDK, resource: str, kwargs: dict[str, Any]
) -> None:
    legacy.create(resource, **kwargs)
    easyllm_shim.patch(api_base=tgi.url, token=HF_TOKEN)
    legacy.create(resource, **kwargs)

    unpatched, patched = openai_api.requests
    assert (patched.path, patched.body, patched.headers) == (unpatched.path, unpatched.body, unpatched.headers)
    assert tgi.requests == []

"""Text completions and embeddings on Hugging Face models, through the real SDK (issue 6)."""

from __future__ import annotations

import json
from typing import Any

import openai
import pytest
from openai.types import Completion, CreateEmbeddingResponse

import easyllm_shim
from easyllm_shim.testing import TGIServer

from .conftest import HF_TOKEN, LLAMA
from .sdk import SDK

EMBEDDER = "BAAI/bge-small-en-v1.5"


def calls(server: TGIServer, path: str) -> list[Any]:
    return [request for request in server.requests if request.path == path]


def completions(sdk: SDK, **kwargs: Any) -> Any:
    return sdk.run(lambda c: c.completions.create(**kwargs), lambda c: c.completions.create(**kwargs))


def streamed_completion(sdk: SDK, **kwargs: Any) -> tuple[Any, list[Any]]:
    def sync(client: Any) -> tuple[Any, list[Any]]:
        with client.completions.create(stream=True, **kwargs) as stream:
            return stream, list(stream)

    async def asynchronous(client: Any) -> tuple[Any, list[Any]]:
        async with await client.completions.create(stream=True, **kwargs) as stream:
            return stream, [chunk async for chunk in stream]

    result: tuple[Any, list[Any]] = sdk.run(sync, asynchronous)
    return result


def embeddings(sdk: SDK, **kwargs: Any) -> Any:
    return sdk.run(lambda c: c.embeddings.create(**kwargs), lambda c: c.embeddings.create(**kwargs))


def test_a_completion_sends_the_raw_prompt_and_keeps_the_continuations_space(patched: TGIServer, sdk: SDK) -> None:
    completion = completions(sdk, model=LLAMA, prompt="The capital of France is")

    assert type(completion) is Completion
    assert completion.id.startswith("cmpl-")
    assert completion.model == LLAMA
    [choice] = completion.choices
    assert (choice.text, choice.finish_reason) == (" Hello there!", "stop")
    [call] = calls(patched, "/generate")
    assert call.json()["inputs"] == "The capital of France is"  # no chat template
    assert call.json()["parameters"]["max_new_tokens"] == 16  # OpenAI's default for this endpoint
    assert completion.usage is not None
    assert completion.usage.completion_tokens == 4


def test_several_prompts_and_choices_index_as_openai_does(patched: TGIServer, sdk: SDK) -> None:
    completion = completions(sdk, model=LLAMA, prompt=["one", "two"], n=2, seed=1, echo=True)

    assert [choice.index for choice in completion.choices] == [0, 1, 2, 3]
    assert [choice.text for choice in completion.choices] == [
        "one Hello there!", "one Hello there!", "two Hello there!", "two Hello there!",
    ]  # fmt: skip
    assert sorted((c.json()["inputs"], c.json()["parameters"]["seed"]) for c in calls(patched, "/generate")) == [
        ("one", 2), ("one", 3), ("two", 2), ("two", 3),
    ]  # fmt: skip


def test_a_streamed_completion_is_a_genuine_stream(patched: TGIServer, sdk: SDK) -> None:
    stream, chunks = streamed_completion(
        sdk, model=LLAMA, prompt="Hi", stop=["!"], stream_options={"include_usage": True}
    )

    assert type(stream) is (openai.AsyncStream if sdk.asynchronous else openai.Stream)
    assert all(type(chunk) is Completion for chunk in chunks)
    assert "".join(chunk.choices[0].text for chunk in chunks if chunk.choices) == " Hello there"
    assert [chunk.choices[0].finish_reason for chunk in chunks if chunk.choices][-1] == "stop"
    assert chunks[-1].usage is not None


def test_a_stream_of_several_prompts_and_choices_indexes_them_as_openai_does(patched: TGIServer, sdk: SDK) -> None:
    patched.reply = lambda prompt, parameters: f" {prompt} with seed {parameters['seed']}"
    kwargs = {"prompt": ["one", "two"], "n": 2, "seed": 1, "stream_options": {"include_usage": True}}
    _, chunks = streamed_completion(sdk, model=LLAMA, **kwargs)

    texts = ["".join(c.choices[0].text for c in chunks if c.choices and c.choices[0].index == i) for i in range(4)]
    # Choice i·n + j is prompt i's j-th completion, with seed + j (+ 1: TGI's seeds are above 0).
    assert texts == [" one with seed 2", " one with seed 3", " two with seed 2", " two with seed 3"]
    finishes = [c.choices[0] for c in chunks if c.choices and c.choices[0].finish_reason]
    assert sorted(choice.index for choice in finishes) == [0, 1, 2, 3]
    assert [chunk.usage is not None for chunk in chunks].count(True) == 1
    plain = completions(sdk, model=LLAMA, prompt=["one", "two"], n=2, seed=1)
    assert chunks[-1].usage == plain.usage  # each prompt counted once, completions summed
    assert len(calls(patched, "/generate_stream")) == 4


def test_completion_logprobs_use_the_endpoints_legacy_shape(patched: TGIServer, sdk: SDK) -> None:
    completion = completions(sdk, model=LLAMA, prompt="Hi", logprobs=2)

    logprobs = completion.choices[0].logprobs
    assert "".join(logprobs.tokens) == completion.choices[0].text
    assert logprobs.text_offset[0] == 0
    assert all(len(top) == 2 for top in logprobs.top_logprobs)


@pytest.fixture
def embedder(tgi_server_factory: Any) -> TGIServer:
    server: TGIServer = tgi_server_factory(model_id=EMBEDDER, embedding_dimensions=32)
    easyllm_shim.patch(api_base=server.url, token=HF_TOKEN)
    return server


def test_embeddings_come_from_tei_as_the_sdk_expects(embedder: TGIServer, sdk: SDK) -> None:
    response = embeddings(sdk, model=EMBEDDER, input=["alpha", "beta"])

    assert type(response) is CreateEmbeddingResponse
    assert [item.index for item in response.data] == [0, 1]
    [call] = calls(embedder, "/embed")
    assert call.json()["inputs"] == ["alpha", "beta"]
    vectors = json.loads(embedder_direct(embedder, ["alpha", "beta"]))
    for item, vector in zip(response.data, vectors, strict=True):  # base64 float32 on the wire, as the SDK asks
        assert item.embedding == pytest.approx(vector, rel=1e-6)
    assert response.usage.prompt_tokens == response.usage.total_tokens > 0
    assert response.model == EMBEDDER


def embedder_direct(server: TGIServer, inputs: list[str]) -> str:
    import urllib.request

    request = urllib.request.Request(
        server.url + "/embed", json.dumps({"inputs": inputs}).encode(), {"content-type": "application/json"}
    )
    with urllib.request.urlopen(request) as answer:
        text: str = answer.read().decode()
    return text


def test_float_embeddings_and_dimensions(embedder: TGIServer, sdk: SDK) -> None:
    response = embeddings(sdk, model=EMBEDDER, input="alpha", encoding_format="float", dimensions=8)

    [item] = response.data
    assert len(item.embedding) == 8
    assert sum(value * value for value in item.embedding) == pytest.approx(1.0)
    assert calls(embedder, "/embed")[-1].json()["dimensions"] == 8


def test_the_serverless_base_uses_the_feature_extraction_pipeline(embedder: TGIServer, sdk: SDK) -> None:
    easyllm_shim.patch(api_base=f"{embedder.url}/models", token=HF_TOKEN)

    response = embeddings(sdk, model=EMBEDDER, input="alpha", dimensions=4)

    assert len(response.data[0].embedding) == 4  # shortened client-side: the pipeline has no such option
    [call] = calls(embedder, f"/models/{EMBEDDER}/pipeline/feature-extraction")
    assert "dimensions" not in call.json()


@pytest.mark.parametrize(
    ("kwargs", "param"),
    [
        ({"input": ""}, "input"),
        ({"input": [], "model": EMBEDDER}, "input"),
        ({"input": "a", "encoding_format": "hex"}, "encoding_format"),
    ],
)
def test_bad_embedding_requests_are_refused_before_any_network_call(
    embedder: TGIServer, sdk: SDK, kwargs: dict[str, Any], param: str
) -> None:
    with pytest.raises(openai.BadRequestError) as raised:
        embeddings(sdk, **{"model": EMBEDDER, **kwargs})
    assert raised.value.param == param
    assert embedder.requests == []


def test_tei_errors_keep_their_type(embedder: TGIServer, sdk: SDK) -> None:
    with pytest.raises(openai.APIStatusError) as raised:
        embeddings(sdk, model=EMBEDDER, input=["a", "b", "c", "d", "e"])  # TEI's batch limit is 4 here
    assert raised.value.status_code == 413
    assert raised.value.type == "Validation"

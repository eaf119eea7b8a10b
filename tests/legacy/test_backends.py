"""openai 0.28 on an OpenAI-compatible upstream, and its calls for another server's base URL kept."""

from __future__ import annotations

import json

import easyllm_shim
from easyllm_shim.testing import OpenAICompatibleServer, TGIServer

from ..conftest import HF_TOKEN, LLAMA
from ..openai_standin import OpenAIStandIn
from .sdk0 import OPENAI_KEY, LegacySDK, openai0

MESSAGES = [{"role": "user", "content": "Say hi."}]


def test_an_openai_compatible_upstream_answers_0_28s_own_objects(tgi: TGIServer, legacy: LegacySDK) -> None:
    easyllm_shim.patch(api_base=f"{tgi.url}/v1", token=HF_TOKEN)

    completion = legacy.create(model=LLAMA, messages=MESSAGES, temperature=0.5)
    streamed = legacy.stream(model=LLAMA, messages=MESSAGES)

    assert type(completion) is openai0.openai_object.OpenAIObject
    assert completion.choices[0].message.content == " Hello there!"  # TGI's Messages API's answer, as it is
    assert streamed.content == " Hello there!"
    calls = [request for request in tgi.requests if request.path == "/v1/chat/completions"]
    assert [call.json()["temperature"] for call in calls[:1]] == [0.5]
    assert all(call.headers["authorization"] == f"Bearer {HF_TOKEN}" for call in calls)
    assert all(OPENAI_KEY not in json.dumps(call.headers) for call in calls)


def test_a_call_for_another_servers_api_base_keeps_its_hub_model(patched: TGIServer, legacy: LegacySDK) -> None:
    with OpenAIStandIn() as vllm:
        legacy.create(model=LLAMA, messages=MESSAGES, api_base=vllm.url)

    assert [request.json()["model"] for request in vllm.requests] == [LLAMA]
    assert patched.requests == []


def test_a_call_on_the_processs_api_base_routes(patched: TGIServer, legacy: LegacySDK) -> None:
    assert legacy.create(model=LLAMA, messages=MESSAGES).choices[0].message.content == "Hello there!"


def test_a_tgi_model_of_unknown_format_is_answered_by_tgis_messages_api(patched: TGIServer, legacy: LegacySDK) -> None:
    completion = legacy.create(model="acme/house-chat-7b", messages=MESSAGES, stop="never")
    streamed = legacy.stream(model="acme/house-chat-7b", messages=MESSAGES)

    assert completion.choices[0].message.content.strip() == "Hello there!"
    assert streamed.content.strip() == "Hello there!"
    assert [request.path for request in patched.requests] == ["/info"] + ["/v1/chat/completions"] * 2
    assert patched.requests[1].json()["stop"] == ["never"]


def test_completions_and_embeddings_on_an_openai_compatible_upstream(
    openai_server: OpenAICompatibleServer, legacy: LegacySDK
) -> None:
    easyllm_shim.patch(api_base=openai_server.url, token=HF_TOKEN)

    completion = legacy.create("Completion", model=LLAMA, prompt="Once upon", max_tokens=4, seed=1)
    streamed = legacy.stream("Completion", model=LLAMA, prompt="Once upon", max_tokens=4, seed=1)
    embedding = legacy.create("Embedding", model=LLAMA, input=["one", "two"])

    assert type(completion) is openai0.openai_object.OpenAIObject
    assert completion.usage.completion_tokens == 4
    text = "".join(chunk.choices[0].text for chunk in streamed.chunks if chunk.choices)
    assert text == completion.choices[0].text  # the same seed, the same text
    assert [len(item.embedding) for item in embedding.data] == [384, 384]
    paths = [request.path for request in openai_server.requests]
    assert paths == ["/v1/completions", "/v1/completions", "/v1/embeddings"]
    assert all(request.headers["authorization"] == f"Bearer {HF_TOKEN}" for request in openai_server.requests)

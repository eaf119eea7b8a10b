"""Hugging Face models through openai 0.28's `ChatCompletion.create` / `acreate` come back as 0.28's own objects."""

from __future__ import annotations

import types
from typing import Any

import easyllm_shim
from easyllm_shim.testing import TGIServer

from ..conftest import HF_TOKEN, LLAMA
from ..wire import generate_calls
from .sdk0 import LegacySDK, openai0

MESSAGES = [{"role": "system", "content": "You are terse."}, {"role": "user", "content": "Say hi."}]
LLAMA_PROMPT = "[INST] <<SYS>>\nYou are terse.\n<</SYS>>\n\nSay hi. [/INST]"


def test_create_routes_to_tgi_and_returns_a_genuine_openai_object(patched: TGIServer, legacy: LegacySDK) -> None:
    completion = legacy.create(model=LLAMA, messages=MESSAGES)

    assert type(completion) is openai0.openai_object.OpenAIObject
    assert completion.object == "chat.completion"
    assert completion.model == LLAMA
    assert completion.id.startswith("chatcmpl-")
    assert completion.choices[0].message.role == "assistant"
    assert completion.choices[0].message.content == "Hello there!"
    assert completion.choices[0].finish_reason == "stop"
    assert type(completion.choices[0].message) is openai0.openai_object.OpenAIObject
    assert completion.usage.completion_tokens == 4  # " Hello", " there", "!", and the EOS token TGI counts
    assert completion.usage.prompt_tokens > 0
    assert completion.usage.total_tokens == completion.usage.prompt_tokens + completion.usage.completion_tokens
    [call] = generate_calls(patched)
    assert call.path == "/generate"
    assert call.json()["inputs"] == LLAMA_PROMPT


def test_objects_carry_what_0_28_stamps_on_them(patched: TGIServer, legacy: LegacySDK) -> None:
    completion = legacy.create(model=LLAMA, messages=MESSAGES, api_key="sk-explicit", engine="my-engine")

    assert completion.api_key == "sk-explicit"
    assert completion.engine == "my-engine"
    assert completion.to_dict_recursive()["choices"][0]["message"] == {"role": "assistant", "content": "Hello there!"}


def test_stream_is_a_generator_of_openai_object_chunks(patched: TGIServer, legacy: LegacySDK) -> None:
    streamed = legacy.stream(model=LLAMA, messages=MESSAGES)

    # Callers tell 0.28 streams from answers with isinstance(..., GeneratorType) (async: AsyncGeneratorType).
    expected = types.AsyncGeneratorType if legacy.asynchronous else types.GeneratorType
    assert isinstance(streamed.stream, expected)
    chunks = streamed.chunks
    assert all(type(chunk) is openai0.openai_object.OpenAIObject for chunk in chunks)
    assert all(chunk.object == "chat.completion.chunk" for chunk in chunks)
    assert chunks[0].choices[0].delta.role == "assistant"
    assert streamed.content == "Hello there!"
    assert {chunk.id for chunk in chunks} == {chunks[0].id}
    assert chunks[0].id.startswith("chatcmpl-")
    assert [chunk.choices[0].finish_reason for chunk in chunks][-1] == "stop"
    assert all(chunk.model == LLAMA for chunk in chunks)
    assert [call.path for call in generate_calls(patched)] == ["/generate_stream"]


def test_stream_usage_chunk_only_when_asked_for(patched: TGIServer, legacy: LegacySDK) -> None:
    plain = legacy.stream(model=LLAMA, messages=MESSAGES).chunks
    counted = legacy.stream(model=LLAMA, messages=MESSAGES, stream_options={"include_usage": True}).chunks

    assert all("usage" not in chunk for chunk in plain)
    assert counted[-1].choices == []
    assert counted[-1].usage.completion_tokens == 4
    assert counted[-1].usage.prompt_tokens > 0


def test_n_choices_are_generated_by_concurrent_tgi_calls(patched: TGIServer, legacy: LegacySDK) -> None:
    completion = legacy.create(model=LLAMA, messages=MESSAGES, n=3)

    assert [choice.index for choice in completion.choices] == [0, 1, 2]
    assert {choice.message.content for choice in completion.choices} == {"Hello there!"}
    assert len(generate_calls(patched)) == 3


def test_0_28_call_options_are_honoured_not_sent(patched: TGIServer, legacy: LegacySDK) -> None:
    options = {
        "request_timeout": 30,
        "timeout": 60,
        "headers": {"x-for-openai": "1"},
        "api_base": openai0.api_base,  # the process's OpenAI: another server's calls are its own (test_backends.py)
        "api_type": "open_ai",
        "api_version": None,
        "organization": "org-test",
        "request_id": "req-1",
        "deployment_id": "my-deployment",
    }

    completion = legacy.create(model=LLAMA, messages=MESSAGES, temperature=0.5, **options)

    assert completion.choices[0].message.content == "Hello there!"
    [call] = generate_calls(patched)
    assert call.json()["parameters"]["temperature"] == 0.5
    assert "x-for-openai" not in call.headers
    assert not set(options) & set(call.json()["parameters"])


def test_abandoning_a_stream_releases_it(patched: TGIServer, legacy: LegacySDK) -> None:
    first = legacy.first_chunk_then_abandon(model=LLAMA, messages=MESSAGES)

    assert first.choices[0].delta.role == "assistant"
    assert legacy.create(model=LLAMA, messages=MESSAGES).choices[0].message.content == "Hello there!"


def test_a_stream_of_several_choices_streams_each_with_its_index(patched: TGIServer, legacy: LegacySDK) -> None:
    streamed = legacy.stream(model=LLAMA, messages=MESSAGES, n=2)

    by_choice: dict[int, str] = {}
    for chunk in streamed.chunks:
        for choice in chunk.choices:
            by_choice[choice.index] = by_choice.get(choice.index, "") + choice.delta.get("content", "")
    assert by_choice == {0: "Hello there!", 1: "Hello there!"}
    assert [call.path for call in generate_calls(patched)] == ["/generate_stream", "/generate_stream"]


def test_info_is_read_once_per_server_and_its_stop_limit_honoured(tgi_server_factory: Any, legacy: LegacySDK) -> None:
    server = tgi_server_factory(max_stop_sequences=2, reply="one two three four")
    easyllm_shim.patch(api_base=server.url, token=HF_TOKEN)

    completion = legacy.create(model=LLAMA, messages=MESSAGES, stop=["five", "six", "three"])
    streamed = legacy.stream(model=LLAMA, messages=MESSAGES, stop=["five", "six", "three"])

    assert [request.path for request in server.requests] == ["/info", "/generate", "/generate_stream"]
    assert [call.json()["parameters"]["stop"] for call in generate_calls(server)] == [["five", "six"]] * 2
    # TGI would refuse a third stop string; the third is still cut client-side.
    assert completion.choices[0].message.content == "one two "
    assert streamed.content == "one two "
    assert completion.system_fingerprint == "3.3.6-dev0-native"

"""EasyLLM's `huggingface.ChatCompletion` keeps its signature and defaults, on the shim's backend."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import openai
import pytest
from openai.types.chat import ChatCompletion, ChatCompletionChunk

from easyllm_shim.clients import huggingface
from easyllm_shim.testing import TGIServer

from ..conftest import LLAMA
from ..wire import generate_calls

MESSAGES = [
    {"role": "system", "content": "\nYou are a helpful, respectful and honest assistant."},
    {"role": "user", "content": "Knock knock."},
]


@pytest.fixture
def seed(tgi: TGIServer, monkeypatch: pytest.MonkeyPatch) -> TGIServer:
    monkeypatch.setattr(huggingface, "api_base", tgi.url)
    monkeypatch.setattr(huggingface, "api_key", "hf_seed_token")
    monkeypatch.setattr(huggingface, "prompt_builder", None)
    monkeypatch.setattr(huggingface, "stop_sequences", [])
    return tgi


def sent(server: TGIServer) -> Any:
    return server.requests[-1].json()


def test_create_returns_a_genuine_chat_completion_with_easyllm_defaults(seed: TGIServer) -> None:
    response = huggingface.ChatCompletion.create(model=LLAMA, messages=MESSAGES)

    assert isinstance(response, ChatCompletion)
    assert response.choices[0].message.content == "Hello there!"
    assert seed.requests[-1].path == "/generate"
    assert seed.requests[-1].headers["authorization"] == "Bearer hf_seed_token"
    parameters = sent(seed)["parameters"]
    assert parameters["temperature"] == 0.9
    assert parameters["top_p"] == 0.6
    assert parameters["top_k"] == 10
    assert parameters["max_new_tokens"] == 1024
    assert parameters["do_sample"] is True
    assert "repetition_penalty" not in parameters  # frequency_penalty=1.0 is EasyLLM's "no penalty"


def test_messages_positionally_first_as_in_easyllm(seed: TGIServer) -> None:
    response = huggingface.ChatCompletion.create(MESSAGES, LLAMA)

    assert response.choices[0].message.content == "Hello there!"


def test_stream_returns_a_genuine_stream(seed: TGIServer) -> None:
    with huggingface.ChatCompletion.create(model=LLAMA, messages=MESSAGES, stream=True) as stream:
        chunks = list(stream)

    assert isinstance(stream, openai.Stream)
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == "Hello there!"
    assert seed.requests[-1].path == "/generate_stream"


def test_without_a_model_it_asks_the_server_at_api_base_to_build_the_prompt(seed: TGIServer) -> None:
    response = huggingface.ChatCompletion.create(messages=MESSAGES)

    # The model is whatever the server runs, so its format is unknown: TGI's Messages API applies its template.
    assert seed.requests[-1].path == "/v1/chat/completions"
    assert response.choices[0].message.content.strip() == "Hello there!"


@pytest.mark.parametrize(
    ("frequency_penalty", "expected"),
    [(1.2, 1.2), (0.0, None), (1.0, None)],
)
def test_frequency_penalty_keeps_easyllm_meaning_and_zero_no_longer_crashes(
    seed: TGIServer, frequency_penalty: float, expected: float | None
) -> None:
    huggingface.ChatCompletion.create(model=LLAMA, messages=MESSAGES, frequency_penalty=frequency_penalty)

    assert sent(seed)["parameters"].get("repetition_penalty") == expected


def test_top_p_one_no_longer_crashes(seed: TGIServer) -> None:
    huggingface.ChatCompletion.create(model=LLAMA, messages=MESSAGES, top_p=1.0)

    assert "top_p" not in sent(seed)["parameters"]


def test_settings_are_read_at_call_time(
    seed: TGIServer, tgi_server_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    huggingface.ChatCompletion.create(model=LLAMA, messages=MESSAGES)
    other = tgi_server_factory()
    monkeypatch.setattr(huggingface, "api_base", other.url)
    monkeypatch.setattr(huggingface, "api_key", "hf_other")

    huggingface.ChatCompletion.create(model=LLAMA, messages=MESSAGES)

    assert len(generate_calls(seed)) == 1
    assert other.requests[-1].headers["authorization"] == "Bearer hf_other"


def test_module_stop_sequences_come_first_and_are_cut_from_the_answer(
    seed: TGIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(huggingface, "stop_sequences", ["there"])

    response = huggingface.ChatCompletion.create(model=LLAMA, messages=MESSAGES, stop="!")

    assert sent(seed)["parameters"]["stop"][:2] == ["there", "!"]
    assert response.choices[0].message.content == "Hello "  # the text before the stop, as OpenAI returns it
    assert response.choices[0].finish_reason == "stop"


def test_prompt_builder_by_name_picks_the_format(seed: TGIServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(huggingface, "prompt_builder", "chatml")

    huggingface.ChatCompletion.create(model=LLAMA, messages=[{"role": "user", "content": "Hi"}])

    assert sent(seed)["inputs"] == "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"


def test_debug_logs_the_prompt_for_one_call_only(seed: TGIServer, caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("easyllm_shim")
    level = logger.level
    with caplog.at_level(logging.DEBUG, logger="easyllm_shim"):
        huggingface.ChatCompletion.create(model=LLAMA, messages=MESSAGES, debug=True)
    assert "Knock knock." in caplog.text
    assert "hf_seed_token" not in caplog.text
    assert logger.level == level


def test_acreate_works_where_easyllm_raised_not_implemented(seed: TGIServer) -> None:
    async def main() -> ChatCompletion:
        try:
            result: ChatCompletion = await huggingface.ChatCompletion.acreate(model=LLAMA, messages=MESSAGES)
            return result
        finally:
            await huggingface.aclose()

    assert asyncio.run(main()).choices[0].message.content == "Hello there!"


def test_answers_read_like_easyllm_dicts_at_every_level(seed: TGIServer) -> None:
    response = huggingface.ChatCompletion.create(model=LLAMA, messages=MESSAGES)

    assert response["choices"][0]["message"]["content"] == response.choices[0].message.content == "Hello there!"
    assert response["usage"]["total_tokens"] == response.usage.total_tokens
    assert response.get("system_fingerprint") == response.system_fingerprint
    # EasyLLM dumped with exclude_none: a None field is a missing key.
    assert response["choices"][0]["message"].get("tool_calls", []) == []
    assert "tool_calls" not in response["choices"][0]["message"]
    with pytest.raises(KeyError, match="tool_calls"):
        response["choices"][0]["message"]["tool_calls"]
    assert set(response.keys()) >= {"id", "object", "created", "model", "choices", "usage"}
    assert dict(response.items())["choices"] is response.choices
    assert response.model_dump()["choices"][0]["message"]["content"] == "Hello there!"


def test_stream_deltas_read_like_easyllm_dicts(seed: TGIServer) -> None:
    chunks = list(huggingface.ChatCompletion.create(model=LLAMA, messages=MESSAGES, stream=True))

    assert all(isinstance(chunk, ChatCompletionChunk) for chunk in chunks)
    assert "".join(chunk["choices"][0]["delta"].get("content", "") for chunk in chunks) == "Hello there!"
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"


def test_the_patched_sdk_keeps_its_plain_models(seed: TGIServer, patched: TGIServer) -> None:
    huggingface.ChatCompletion.create(model=LLAMA, messages=MESSAGES)  # the readable classes exist by now
    client = openai.OpenAI(api_key="sk-unused")

    response = client.chat.completions.create(model=LLAMA, messages=[{"role": "user", "content": "Knock knock."}])

    assert len(generate_calls(seed)) == 2  # routed to the same server
    assert type(response) is ChatCompletion
    assert not hasattr(response, "get")


def test_completion_keeps_easyllm_parameters(seed: TGIServer) -> None:
    response = huggingface.Completion.create("Once", LLAMA, suffix=" upon", max_tokens=7, stop="!", echo=False)

    assert issubclass(type(response), openai.types.Completion)  # (not isinstance: mypy would narrow the type)
    assert response["choices"][0]["text"] == response.choices[0].text
    assert sent(seed)["inputs"] == "Once upon"  # EasyLLM appended the suffix; no builder: the prompt as given
    assert sent(seed)["parameters"]["max_new_tokens"] == 7
    assert sent(seed)["parameters"]["stop"] == ["!"]


def test_embedding_returns_floats_readable_like_easyllm(seed: TGIServer) -> None:
    async def main() -> Any:
        try:
            return await huggingface.Embedding.acreate(input=["a", "b"], model="BAAI/bge-small-en-v1.5")
        finally:
            await huggingface.aclose()

    embedding = asyncio.run(main())

    assert issubclass(type(embedding), openai.types.CreateEmbeddingResponse)
    assert [item["index"] for item in embedding["data"]] == [0, 1]
    assert len(embedding["data"][0]["embedding"]) == 384
    assert all(isinstance(value, float) for value in embedding["data"][1]["embedding"])


def test_async_stream_deltas_read_like_easyllm_dicts(seed: TGIServer) -> None:
    async def main() -> str:
        try:
            stream = await huggingface.ChatCompletion.acreate(model=LLAMA, messages=MESSAGES, stream=True)
            assert isinstance(stream, openai.AsyncStream)
            return "".join([chunk["choices"][0]["delta"].get("content", "") async for chunk in stream])
        finally:
            await huggingface.aclose()

    assert asyncio.run(main()) == "Hello there!"

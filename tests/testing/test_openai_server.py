"""OpenAICompatibleServer through the real openai SDK pointed straight at it, and on the wire."""

from __future__ import annotations

import asyncio
import base64
import importlib
import json
import math
import struct
import threading
from collections.abc import Callable, Iterator
from typing import Any

import httpx2 as httpx
import openai
import pytest

import easyllm_shim.testing
from easyllm_shim.testing import OpenAICompatibleServer, RecordedRequest, TGIServer

from ..sdk import STATUS_ERRORS
from .conftest import sse_events, sse_payloads

LLAMA = "meta-llama/Llama-2-7b-chat-hf"
LLAMA3 = "meta-llama/Meta-Llama-3-8B-Instruct"
HI: list[Any] = [{"role": "user", "content": "Hi"}]
REPLY = "one two three four five"  # five tokens, then the EOS


@pytest.fixture
def server(openai_server: OpenAICompatibleServer) -> OpenAICompatibleServer:
    openai_server.reply = REPLY
    return openai_server


@pytest.fixture
def client(server: OpenAICompatibleServer) -> Iterator[openai.OpenAI]:
    # No retries: a 5xx or 429 must reach the test as it is, and retries would sleep.
    with openai.OpenAI(base_url=server.url, api_key="unused", max_retries=0) as sdk:
        yield sdk


@pytest.fixture
def http(server: OpenAICompatibleServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=30) as raw:
        yield raw


def chat(client: openai.OpenAI, **fields: Any) -> Any:
    fields.setdefault("messages", HI)
    return client.chat.completions.create(model=LLAMA, **fields)


def vllm_error(message: str, err_type: str = "BadRequestError", param: str | None = None, code: int = 400) -> Any:
    return {"error": {"message": message, "type": err_type, "param": param, "code": code}}


# -- the object ------------------------------------------------------------------------------------------------
def test_exported_with_the_tgi_server() -> None:
    assert "OpenAICompatibleServer" in easyllm_shim.testing.__all__
    assert easyllm_shim.testing.OpenAICompatibleServer is OpenAICompatibleServer


def test_urls_only_while_running_and_the_server_restarts() -> None:
    server = OpenAICompatibleServer(reply="again")
    with pytest.raises(RuntimeError, match="not running"):
        _ = server.url
    assert repr(server) == f"OpenAICompatibleServer({LLAMA!r}, stopped)"
    assert server.start() is server
    url = server.url
    assert url.startswith("http://127.0.0.1:")
    assert url.endswith("/v1")
    assert server.root_url == url.removesuffix("/v1")
    assert server.start().url == url
    assert repr(server) == f"OpenAICompatibleServer({LLAMA!r}, {url})"
    server.stop()
    server.stop()
    with server, openai.OpenAI(base_url=server.url, api_key="x", max_retries=0) as sdk:
        assert chat(sdk).choices[0].message.content == " again"


def test_constructor_arguments() -> None:
    server = OpenAICompatibleServer(LLAMA3, reply="hi", served_model_name=["llama", "alias"])
    assert (server.model_id, server.model, server.reply) == (LLAMA3, "llama", "hi")
    with pytest.raises(ValueError, match="at least one name"):
        OpenAICompatibleServer(served_model_name=[])
    with pytest.raises(ValueError, match="must be positive"):
        OpenAICompatibleServer(max_model_len=0)


def test_the_factory_fixture_passes_arguments(openai_server_factory: Callable[..., OpenAICompatibleServer]) -> None:
    first = openai_server_factory(LLAMA3, max_model_len=64)
    second = openai_server_factory()
    assert first.url != second.url
    with openai.OpenAI(base_url=first.url, api_key="x", max_retries=0) as sdk:
        (card,) = sdk.models.list().data
    assert (card.id, card.model_extra["max_model_len"] if card.model_extra else None) == (LLAMA3, 64)


# -- chat ------------------------------------------------------------------------------------------------------
def test_chat_completion(client: openai.OpenAI) -> None:
    completion = chat(client)
    assert completion.id.startswith("chatcmpl-")
    assert len(completion.id) == len("chatcmpl-") + 16
    assert (completion.object, completion.model) == ("chat.completion", LLAMA)
    assert completion.system_fingerprint is not None
    assert completion.system_fingerprint.startswith("vllm-0.33.0-")
    (choice,) = completion.choices
    assert (choice.index, choice.message.role, choice.finish_reason, choice.logprobs) == (0, "assistant", "stop", None)
    # Sentencepiece decodes the first word with its space.
    assert choice.message.content == " one two three four five"
    assert completion.usage is not None
    # "<s>", "[INST]", " Hi", " ", "[/INST]"; five words and the EOS, which vLLM counts but never decodes.
    assert (completion.usage.prompt_tokens, completion.usage.completion_tokens, completion.usage.total_tokens) == (
        5,
        6,
        11,
    )


def test_chat_completion_on_the_wire(http: httpx.Client) -> None:
    body = http.post("/chat/completions", json={"model": LLAMA, "messages": HI}).json()
    assert list(body) == [
        "id", "object", "created", "model", "choices", "service_tier", "system_fingerprint", "usage",
        "prompt_logprobs", "prompt_token_ids", "prompt_text", "kv_transfer_params", "ec_transfer_params", "metrics",
    ]  # fmt: skip
    assert body["choices"] == [
        {
            "index": 0,
            "message": {
                "role": "assistant",
                "content": " one two three four five",
                "refusal": None,
                "annotations": None,
                "audio": None,
                "function_call": None,
                "reasoning": None,
            },
            "logprobs": None,
            "finish_reason": "stop",
            "stop_reason": None,
            "token_ids": None,
            "routed_experts": None,
            "weight_versions": None,
        }
    ]
    assert body["usage"] == {
        "prompt_tokens": 5,
        "total_tokens": 11,
        "completion_tokens": 6,
        "prompt_tokens_details": None,
        "completion_tokens_details": None,
    }


def test_chat_request_ids_come_from_the_header_or_the_body(http: httpx.Client) -> None:
    request = {"model": LLAMA, "messages": HI}
    assert http.post("/chat/completions", json={**request, "request_id": "mine"}).json()["id"] == "chatcmpl-mine"
    headers = {"X-Request-Id": "header"}
    assert http.post("/chat/completions", json=request, headers=headers).json()["id"] == "chatcmpl-header"


def test_llama3_has_no_leading_space(openai_server_factory: Callable[..., OpenAICompatibleServer]) -> None:
    server = openai_server_factory(LLAMA3, reply="Hello!")
    with openai.OpenAI(base_url=server.url, api_key="x", max_retries=0) as sdk:
        completion = sdk.chat.completions.create(model=LLAMA3, messages=HI)
    assert completion.choices[0].message.content == "Hello!"


def test_max_tokens_ends_with_length(client: openai.OpenAI) -> None:
    for fields in ({"max_tokens": 2}, {"max_completion_tokens": 2}):
        completion = chat(client, **fields)
        assert (completion.choices[0].message.content, completion.choices[0].finish_reason) == (" one two", "length")
        assert completion.usage is not None
        assert completion.usage.completion_tokens == 2


def test_the_eos_wins_over_the_length_limit(client: openai.OpenAI) -> None:
    # The sixth token is the EOS: vLLM's scheduler checks it before the length.
    assert chat(client, max_tokens=6).choices[0].finish_reason == "stop"


def test_stop_strings_are_cut_out(client: openai.OpenAI) -> None:
    (choice,) = chat(client, stop=[" three", "nothing"]).choices
    assert (choice.message.content, choice.finish_reason) == (" one two", "stop")
    assert choice.model_extra == {
        "stop_reason": " three",
        "token_ids": None,
        "routed_experts": None,
        "weight_versions": None,
    }
    included = chat(client, stop=" three", extra_body={"include_stop_str_in_output": True}).choices[0]
    assert included.message.content == " one two three"
    # Inside a token too: the text stops before the stop string, wherever it is.
    assert chat(client, stop="wo").choices[0].message.content == " one t"


def test_default_filler_is_deterministic_when_greedy_or_seeded(
    server: OpenAICompatibleServer, client: openai.OpenAI
) -> None:
    server.reply = None
    greedy = [chat(client, temperature=0).choices[0].message.content for _ in range(2)]
    assert greedy[0] == greedy[1]
    assert len(greedy[0] or "") > 20
    seeded = [chat(client, seed=7).choices[0].message.content for _ in range(2)]
    assert seeded[0] == seeded[1] != chat(client, seed=8).choices[0].message.content


def test_n_choices(server: OpenAICompatibleServer, client: openai.OpenAI) -> None:
    server.reply = None
    completion = chat(client, n=3, seed=1)
    assert [choice.index for choice in completion.choices] == [0, 1, 2]
    assert len({choice.message.content for choice in completion.choices}) == 3
    assert completion.usage is not None
    tokens = sum(len(server_tokens(server, choice.message.content)) + 1 for choice in completion.choices)
    assert completion.usage.completion_tokens == tokens


def server_tokens(server: OpenAICompatibleServer, text: str | None) -> list[Any]:
    """The stand-in's tokens for a text (the same tokenizer as the TGI stand-in)."""
    from easyllm_shim.testing.fake_model._tokenizer import Tokenizer, vocabulary_for

    return Tokenizer(vocabulary_for(server.model_id)).encode(text or "", add_special_tokens=False)


def test_the_reply_callable_sees_the_prompt_and_the_body(server: OpenAICompatibleServer, client: openai.OpenAI) -> None:
    seen: list[tuple[str, dict[str, Any]]] = []

    def reply(prompt: str, body: dict[str, Any]) -> str:
        seen.append((prompt, body))
        return "Sure."

    server.reply = reply
    assert chat(client, temperature=0.5).choices[0].message.content == " Sure."
    ((prompt, body),) = seen
    assert prompt == "<s>[INST] Hi [/INST]"
    assert body == {"messages": HI, "model": LLAMA, "temperature": 0.5}


def test_response_format_json_schema(client: openai.OpenAI) -> None:
    schema = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
    response_format: Any = {"type": "json_schema", "json_schema": {"name": "place", "schema": schema}}
    content = chat(client, response_format=response_format).choices[0].message.content
    assert isinstance(json.loads(content or ""), dict)
    assert "city" in json.loads(content or "")


# -- chat streams ----------------------------------------------------------------------------------------------
def test_chat_stream(client: openai.OpenAI) -> None:
    chunks = list(chat(client, stream=True))
    first, *middle, last = chunks
    assert first.choices[0].delta.role == "assistant"
    assert first.choices[0].delta.content == ""
    assert all(chunk.id == first.id and chunk.object == "chat.completion.chunk" for chunk in chunks)
    assert "".join(chunk.choices[0].delta.content or "" for chunk in chunks) == " one two three four five"
    assert [chunk.choices[0].finish_reason for chunk in middle] == [None] * 5
    # The EOS step: an empty delta that carries the finish reason, and no usage unless asked for.
    assert (last.choices[0].delta.content, last.choices[0].finish_reason) == ("", "stop")
    assert all(chunk.usage is None for chunk in chunks)


def test_chat_stream_with_usage(client: openai.OpenAI) -> None:
    plain = chat(client)
    *_, finishing, summary = list(chat(client, stream=True, stream_options={"include_usage": True}))
    assert finishing.choices[0].finish_reason == "stop"
    assert finishing.usage is None
    assert summary.choices == []
    assert summary.usage == plain.usage
    assert summary.system_fingerprint == plain.system_fingerprint
    # stream_options without include_usage still means usage: vLLM's default is true.
    *_, summary = list(chat(client, stream=True, stream_options={}))
    assert summary.choices == []
    *_, finishing = list(chat(client, stream=True, stream_options={"include_usage": False}))
    assert finishing.choices[0].finish_reason == "stop"


def test_chat_stream_on_the_wire(http: httpx.Client) -> None:
    request = {"model": LLAMA, "messages": HI, "stream": True, "max_tokens": 2}
    with http.stream("POST", "/chat/completions", json=request) as response:
        assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
        text = response.read().decode()
    assert text.startswith("data: {")
    assert text.endswith("data: [DONE]\n\n")
    assert all(frame.startswith("data: ") for frame in text.split("\n\n") if frame)
    role, one, two, done = sse_events(text)
    assert done == "[DONE]"
    assert list(role) == ["id", "object", "created", "model", "choices", "prompt_token_ids", "prompt_text"]
    assert role["choices"] == [
        {"index": 0, "delta": {"role": "assistant", "content": ""}, "logprobs": None, "finish_reason": None}
    ]
    assert list(one) == ["id", "object", "created", "model", "choices", "kv_transfer_params"]
    assert one["choices"] == [
        {"index": 0, "delta": {"content": " one"}, "logprobs": None, "finish_reason": None, "token_ids": None}
    ]
    # The finishing chunk carries the fingerprint when no usage chunk follows.
    assert list(two) == ["id", "object", "created", "model", "choices", "system_fingerprint", "kv_transfer_params"]
    assert two["choices"][0] == {
        "index": 0,
        "delta": {"content": " two"},
        "logprobs": None,
        "finish_reason": "length",
        "stop_reason": None,
        "token_ids": None,
        "weight_versions": None,
    }


def test_chat_stream_usage_chunks_on_the_wire(http: httpx.Client) -> None:
    options = {"include_usage": True, "continuous_usage_stats": True}
    request = {"model": LLAMA, "messages": HI, "stream": True, "max_tokens": 1, "stream_options": options}
    role, one, summary, done = sse_events(http.post("/chat/completions", json=request).text)
    assert role["usage"] == {
        "prompt_tokens": 5,
        "total_tokens": 5,
        "completion_tokens": 0,
        "completion_tokens_details": None,
    }
    assert one["usage"]["completion_tokens"] == 1
    assert "system_fingerprint" not in one
    assert list(summary) == ["id", "object", "created", "model", "choices", "usage", "system_fingerprint"]
    assert summary["usage"] == {"prompt_tokens": 5, "total_tokens": 6, "completion_tokens": 1}
    assert done == "[DONE]"


def test_stop_strings_are_held_back_while_streaming(client: openai.OpenAI) -> None:
    deltas = [chunk.choices[0].delta.content for chunk in chat(client, stream=True, stop=[" three"])]
    # The last five characters (len(" three") - 1) wait until the stop string is ruled out or found.
    assert deltas == ["", "", " on", "e two"]


def test_n_choices_stream_interleaved(client: openai.OpenAI) -> None:
    chunks = list(chat(client, stream=True, n=2, seed=3, max_tokens=2))
    assert [chunk.choices[0].index for chunk in chunks] == [0, 1, 0, 1, 0, 1]
    for index in (0, 1):
        text = "".join(chunk.choices[0].delta.content or "" for chunk in chunks if chunk.choices[0].index == index)
        assert text == " one two"


def test_async_client(server: OpenAICompatibleServer) -> None:
    async def run() -> tuple[str | None, str]:
        async with openai.AsyncOpenAI(base_url=server.url, api_key="x", max_retries=0) as sdk:
            completion = await sdk.chat.completions.create(model=LLAMA, messages=HI)
            stream = await sdk.chat.completions.create(model=LLAMA, messages=HI, stream=True)
            parts = [chunk.choices[0].delta.content or "" async for chunk in stream if chunk.choices]
        return completion.choices[0].message.content, "".join(parts)

    assert asyncio.run(run()) == (" one two three four five", " one two three four five")


# -- completions -----------------------------------------------------------------------------------------------
def test_completion(server: OpenAICompatibleServer, client: openai.OpenAI) -> None:
    server.reply = None
    completion = client.completions.create(model=LLAMA, prompt="Once upon a time", temperature=0)
    assert completion.id.startswith("cmpl-")
    assert completion.object == "text_completion"
    (choice,) = completion.choices
    # max_tokens defaults to 16 on this route.
    assert choice.finish_reason == "length"
    assert completion.usage is not None
    assert (completion.usage.prompt_tokens, completion.usage.completion_tokens) == (5, 16)  # with the BOS


def test_completion_prompt_lists_and_n(client: openai.OpenAI) -> None:
    completion = client.completions.create(model=LLAMA, prompt=["a", "b c"], n=2, max_tokens=2, seed=1)
    assert [(choice.index, choice.text) for choice in completion.choices] == [(i, " one two") for i in range(4)]
    assert completion.usage is not None
    assert (completion.usage.prompt_tokens, completion.usage.completion_tokens) == (
        5,
        8,
    )
    tokens = client.completions.create(model=LLAMA, prompt=[1, 2, 3], max_tokens=1)
    assert tokens.usage is not None
    assert tokens.usage.prompt_tokens == 3


def test_completion_echo_and_stop(client: openai.OpenAI) -> None:
    echoed = client.completions.create(model=LLAMA, prompt="Say:", echo=True, stop=[" three"])
    assert (echoed.choices[0].text, echoed.choices[0].finish_reason) == ("Say: one two", "stop")


def test_completion_stream(client: openai.OpenAI) -> None:
    chunks = list(
        client.completions.create(model=LLAMA, prompt="Go", stream=True, stream_options={"include_usage": True})
    )
    *texts, summary = chunks
    assert "".join(chunk.choices[0].text for chunk in texts) == " one two three four five"
    assert texts[-1].choices[0].finish_reason == "stop"
    assert summary.choices == []
    assert summary.usage is not None
    assert summary.usage.completion_tokens == 6


def test_completion_stream_on_the_wire(http: httpx.Client) -> None:
    text = http.post("/completions", json={"model": LLAMA, "prompt": "Go", "stream": True, "max_tokens": 1}).text
    chunk, done = sse_events(text)
    assert done == "[DONE]"
    assert sse_payloads(text)[-1] == "[DONE]"
    assert list(chunk) == ["id", "object", "created", "model", "choices", "system_fingerprint", "kv_transfer_params"]
    assert chunk["choices"] == [
        {
            "index": 0,
            "text": " one",
            "logprobs": None,
            "finish_reason": "length",
            "stop_reason": None,
            "prompt_token_ids": None,
            "token_ids": None,
            "weight_versions": None,
        }
    ]


# -- embeddings ------------------------------------------------------------------------------------------------
def test_embeddings(client: openai.OpenAI) -> None:
    result = client.embeddings.create(model=LLAMA, input=["Hello", "World"], encoding_format="float")
    assert (result.object, result.model, [item.index for item in result.data]) == ("list", LLAMA, [0, 1])
    for item in result.data:
        assert item.object == "embedding"
        assert len(item.embedding) == 384
        assert math.isclose(math.sqrt(sum(value * value for value in item.embedding)), 1.0, rel_tol=1e-5)
    assert result.usage.prompt_tokens == result.usage.total_tokens == 4  # BOS + word, twice
    again = client.embeddings.create(model=LLAMA, input="Hello", encoding_format="float")
    assert again.data[0].embedding == result.data[0].embedding


def test_embeddings_base64_is_the_sdks_default(client: openai.OpenAI, server: OpenAICompatibleServer) -> None:
    floats = client.embeddings.create(model=LLAMA, input="Hello", encoding_format="float").data[0].embedding
    decoded = client.embeddings.create(model=LLAMA, input="Hello").data[0].embedding
    assert server.requests[-1].json()["encoding_format"] == "base64"
    # Both are the same float32 values.
    assert struct.pack("<384f", *decoded) == struct.pack("<384f", *floats)


def test_embeddings_on_the_wire(http: httpx.Client) -> None:
    body = http.post("/embeddings", json={"model": LLAMA, "input": "Hi", "encoding_format": "base64"}).json()
    assert list(body) == ["id", "object", "created", "model", "data", "usage"]
    assert body["id"].startswith("embd-")
    assert list(body["data"][0]) == ["index", "object", "embedding"]
    assert len(base64.b64decode(body["data"][0]["embedding"])) == 4 * 384
    assert body["usage"] == {
        "prompt_tokens": 2,
        "total_tokens": 2,
        "completion_tokens": 0,
        "prompt_tokens_details": None,
        "completion_tokens_details": None,
    }


def test_embeddings_match_the_tgi_stand_in(client: openai.OpenAI, tgi_server: TGIServer) -> None:
    ours = client.embeddings.create(model=LLAMA, input="Hello", encoding_format="float").data[0].embedding
    with httpx.Client(base_url=tgi_server.url) as tgi:
        (theirs,) = tgi.post("/embed", json={"inputs": "Hello"}).json()
    assert all(math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-8) for a, b in zip(ours, theirs, strict=True))


def test_embedding_dimensions(client: openai.OpenAI) -> None:
    (item,) = client.embeddings.create(model=LLAMA, input="Hello", dimensions=8, encoding_format="float").data
    assert len(item.embedding) == 8
    assert math.isclose(math.sqrt(sum(value * value for value in item.embedding)), 1.0, rel_tol=1e-5)
    with pytest.raises(openai.BadRequestError) as refused:
        client.embeddings.create(model=LLAMA, input="Hello", dimensions=1000)
    assert refused.value.body == {
        "message": f"Model {LLAMA!r} only supports dimensions in range [1, 384], got 1000.",
        "type": "BadRequestError",
        "param": None,
        "code": 400,
    }


# -- models and health -----------------------------------------------------------------------------------------
def test_models(client: openai.OpenAI) -> None:
    (card,) = client.models.list().data
    assert (card.id, card.object, card.owned_by) == (LLAMA, "model", "vllm")
    extra = card.model_extra or {}
    assert (extra["root"], extra["parent"], extra["max_model_len"]) == (LLAMA, None, 4096)
    (permission,) = extra["permission"]
    assert permission["id"].startswith("modelperm-")
    assert permission["object"] == "model_permission"
    assert (permission["allow_sampling"], permission["organization"], permission["is_blocking"]) == (True, "*", False)


def test_served_model_names(openai_server_factory: Callable[..., OpenAICompatibleServer]) -> None:
    server = openai_server_factory(LLAMA, served_model_name=["llama", "other"], reply="x")
    with openai.OpenAI(base_url=server.url, api_key="x", max_retries=0) as sdk:
        assert [card.id for card in sdk.models.list().data] == ["llama", "other"]
        # Any alias is served; answers carry the first name.
        assert sdk.chat.completions.create(model="other", messages=HI).model == "llama"
        with pytest.raises(openai.NotFoundError) as missing:
            sdk.chat.completions.create(model=LLAMA, messages=HI)
    assert (
        missing.value.body
        == vllm_error(
            f"The model `{LLAMA}` does not exist. Valid aliases: llama, other.", "NotFoundError", "model", 404
        )["error"]
    )


def test_health(server: OpenAICompatibleServer) -> None:
    with httpx.Client(base_url=server.root_url) as root:
        response = root.get("/health")
        assert (response.status_code, response.content) == (200, b"")
        server.set_unhealthy()
        assert (root.get("/health").status_code, root.get("/health").content) == (503, b"")
        server.set_unhealthy(False)
        assert root.get("/health").status_code == 200


# -- vLLM's refusals, as the SDK raises them ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("fields", "message", "param"),
    [
        (
            {"temperature": -1},
            "temperature must be non-negative, got -1.0. (parameter=temperature, value=-1.0)",
            "temperature",
        ),
        (
            {"temperature": 2.5},
            "temperature must be in [0, 2], got 2.5. (parameter=temperature, value=2.5)",
            "temperature",
        ),
        ({"top_p": 0}, "top_p must be in (0, 1], got 0.0. (parameter=top_p, value=0.0)", "top_p"),
        ({"n": 0}, "n must be at least 1, got 0.", None),
        ({"n": 2, "temperature": 0}, "n must be 1 when using greedy sampling, got 2.", None),
        ({"presence_penalty": 3}, "presence_penalty must be in [-2, 2], got 3.0.", None),
        ({"stop": [""]}, "stop cannot contain an empty string.", None),
        ({"max_tokens": 0}, "max_tokens must be at least 1, got 0. (parameter=max_tokens, value=0)", "max_tokens"),
        (
            {"max_tokens": 5000},
            "max_tokens=5000 cannot be greater than max_model_len=4096. Please request fewer output tokens. "
            "(parameter=max_tokens, value=5000)",
            "max_tokens",
        ),
        (
            {"max_completion_tokens": 4097},
            "max_completion_tokens=4097 cannot be greater than max_model_len=4096. Please request fewer output tokens. "
            "(parameter=max_completion_tokens, value=4097)",
            "max_completion_tokens",
        ),
        ({"messages": [{"role": "wizard", "content": "x"}]}, "messages[0]: unknown role 'wizard' (llama2)", None),
        (
            {"tools": [{"type": "function", "function": {"name": "f"}}]},
            '"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set',
            None,
        ),
    ],
)
def test_bad_requests(client: openai.OpenAI, fields: dict[str, Any], message: str, param: str | None) -> None:
    with pytest.raises(openai.BadRequestError) as refused:
        chat(client, **fields)
    assert refused.value.status_code == 400
    assert refused.value.body == vllm_error(message, param=param)["error"]
    # openai 3.x shows the message; 1.x and 2.x the whole error object, which holds it.
    assert str(refused.value).startswith("Error code: 400 - ")
    assert message in str(refused.value)


def test_unknown_model_is_a_404(client: openai.OpenAI) -> None:
    with pytest.raises(openai.NotFoundError) as missing:
        client.chat.completions.create(model="gpt-4o", messages=HI)
    message = f"The model `gpt-4o` does not exist. Valid aliases: {LLAMA}."
    assert missing.value.body == vllm_error(message, "NotFoundError", "model", 404)["error"]
    with pytest.raises(openai.NotFoundError):
        client.completions.create(model="gpt-4o", prompt="x")
    with pytest.raises(openai.NotFoundError):
        client.embeddings.create(model="gpt-4o", input="x")


def test_a_prompt_over_the_context(openai_server_factory: Callable[..., OpenAICompatibleServer]) -> None:
    server = openai_server_factory(max_model_len=8)
    with openai.OpenAI(base_url=server.url, api_key="x", max_retries=0) as sdk:
        with pytest.raises(openai.BadRequestError) as refused:
            # (max_tokens defaults to 16 here, itself over the context.)
            sdk.completions.create(model=LLAMA, prompt="one two three four five six seven eight", max_tokens=1)
        # The tokenizer stops at max_model_len + 1 tokens, so vLLM always says "at least".
        message = (
            "This model's maximum context length is 8 tokens. However, your prompt contains at least 9 input "
            "tokens, which exceeds this limit even without any output tokens. Please reduce the length of the "
            "input prompt. (parameter=input_tokens, value=9)"
        )
        assert refused.value.body == vllm_error(message, param="input_tokens")["error"]
        # A budget that does not fit what is left is clamped, not refused.
        completion = sdk.completions.create(model=LLAMA, prompt="one two", max_tokens=8)
        assert completion.choices[0].finish_reason == "length"
        assert completion.usage is not None
        assert completion.usage.completion_tokens == 5


def test_validation_errors_on_the_wire(http: httpx.Client) -> None:
    missing = http.post("/chat/completions", json={"model": LLAMA})
    assert missing.status_code == 400
    message = (
        "1 validation error:\n  {'type': 'missing', 'loc': 'body.messages', 'msg': 'Field required', "
        "'input': '<dict of 1 items>'}"
    )
    assert missing.json() == vllm_error(message, "Bad Request", "body.messages")
    two = http.post("/chat/completions", json={"messages": HI, "temperature": "hot", "n": 1.5}).json()["error"]
    assert two["message"] == (
        "2 validation errors:\n"
        "  {'type': 'int_from_float', 'loc': 'body.n', 'msg': 'Input should be a valid integer, got a number with a "
        "fractional part', 'input': '1.5'}\n"
        "  {'type': 'float_parsing', 'loc': 'body.temperature', 'msg': 'Input should be a valid number, unable to "
        "parse string as a number', 'input': 'hot'}"
    )
    assert two["param"] == "body.n"


def test_before_validators_on_the_wire(http: httpx.Client) -> None:
    body = http.post("/chat/completions", json={"messages": HI, "stream_options": {"include_usage": True}}).json()
    assert body == vllm_error(
        "1 validation error:\n  {'type': 'value_error', 'loc': 'body', 'msg': 'Value error, Stream options can only be "
        "defined when `stream=True`. (parameter=stream_options)', 'input': '<dict of 2 items>', 'ctx': {'error': "
        "VLLMValidationError('Stream options can only be defined when `stream=True`.')}}",
        "Bad Request",
        "stream_options",
    )
    # vLLM iterates `messages` unguarded before validating it: null is a TypeError, answered by its handler.
    assert http.post("/chat/completions", json={"messages": None}).json() == vllm_error(
        "'NoneType' object is not iterable"
    )
    prompt = http.post("/completions", json={"model": LLAMA}).json()["error"]
    assert (prompt["param"], prompt["type"]) == ("prompt", "Bad Request")
    assert "Either prompt or prompt_embeds must be provided and non-empty. (parameter=prompt)" in prompt["message"]


@pytest.mark.parametrize(
    ("content", "headers", "expected"),
    [
        (
            b'{"messages": [}',
            {"content-type": "application/json"},
            vllm_error(
                "1 validation error:\n  {'type': 'json_invalid', 'loc': 'body.14', 'msg': 'JSON decode error', "
                "'input': '<dict of 0 items>', 'ctx': {'error': 'Expecting value'}}",
                "Bad Request",
                "body.14",
            ),
        ),
        (
            b'{"messages": []}',
            {"content-type": "text/plain"},
            vllm_error(
                "1 validation error:\n  Unsupported Media Type: Only 'application/json' is allowed", "Bad Request"
            ),
        ),
        (
            b"",
            {"content-type": "application/json"},
            vllm_error(
                "1 validation error:\n  {'type': 'missing', 'loc': 'body', 'msg': 'Field required', 'input': 'None'}",
                "Bad Request",
                "body",
            ),
        ),
        (
            b"[1]",
            {"content-type": "application/json"},
            vllm_error(
                "1 validation error:\n  {'type': 'model_type', 'loc': 'body', 'msg': 'Input should be a valid "
                "dictionary or instance of ChatCompletionRequest', 'input': '<list of 1 items>', 'ctx': "
                "{'class_name': 'ChatCompletionRequest'}}",
                "Bad Request",
                "body",
            ),
        ),
        (b'{"a": "\xc3\x28"}', {"content-type": "application/json"}, {"detail": "There was an error parsing the body"}),
    ],
)
def test_unreadable_bodies(http: httpx.Client, content: bytes, headers: dict[str, str], expected: Any) -> None:
    response = http.post("/chat/completions", content=content, headers=headers)
    assert (response.status_code, response.json()) == (400, expected)


def test_routing_errors(http: httpx.Client, server: OpenAICompatibleServer) -> None:
    assert (http.get("/chat/completions").status_code, http.get("/chat/completions").json()) == (
        405,
        {"detail": "Method Not Allowed"},
    )
    assert http.get("/chat/completions").headers["allow"] == "POST"
    assert (http.post("/audio/speech").status_code, http.post("/audio/speech").json()) == (404, {"detail": "Not Found"})
    assert http.post("/models").status_code == 405


def test_the_stand_in_has_no_fim(client: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as refused:
        client.completions.create(model=LLAMA, prompt="def f(", suffix="return 1")
    assert (
        refused.value.body
        == vllm_error("suffix is only supported for models with FIM completion rendering", param="suffix")["error"]
    )


# -- --api-key ---------------------------------------------------------------------------------------------------
def test_api_key(openai_server_factory: Callable[..., OpenAICompatibleServer]) -> None:
    server = openai_server_factory(api_key=["first", "second"], reply="ok")
    for key in ("first", "second"):
        with openai.OpenAI(base_url=server.url, api_key=key, max_retries=0) as sdk:
            assert sdk.chat.completions.create(model=LLAMA, messages=HI).choices[0].message.content == " ok"
    with openai.OpenAI(base_url=server.url, api_key="wrong", max_retries=0) as sdk:
        with pytest.raises(openai.AuthenticationError) as refused:
            sdk.models.list()
        with pytest.raises(openai.AuthenticationError):
            sdk.embeddings.create(model=LLAMA, input="x")
    assert (refused.value.status_code, refused.value.body) == (401, "Unauthorized")
    with httpx.Client(base_url=server.root_url) as raw:
        assert raw.post("/v1/nothing/here").json() == {"error": "Unauthorized"}  # before routing
        assert raw.get("/health").status_code == 200  # not under /v1
        headers = {"Authorization": "bearer second"}  # the scheme is case-insensitive, the key is not
        assert raw.get("/v1/models", headers=headers).status_code == 200
        assert raw.get("/v1/models", headers={"Authorization": "Bearer SECOND"}).status_code == 401


# -- recording --------------------------------------------------------------------------------------------------
def test_requests_are_recorded(server: OpenAICompatibleServer, client: openai.OpenAI) -> None:
    chat(client, temperature=0.2)
    with pytest.raises(openai.NotFoundError):
        client.chat.completions.create(model="missing", messages=HI)
    first, refused = server.requests
    assert isinstance(first, RecordedRequest)
    assert (first.method, first.path, first.headers["authorization"]) == (
        "POST",
        "/v1/chat/completions",
        "Bearer unused",
    )
    assert first.json() == {"messages": HI, "model": LLAMA, "temperature": 0.2}
    assert refused.json()["model"] == "missing"
    server.clear_requests()
    assert server.requests == []


def test_concurrent_clients(server: OpenAICompatibleServer) -> None:
    failures: list[BaseException] = []

    def work() -> None:
        try:
            with openai.OpenAI(base_url=server.url, api_key="x", max_retries=0) as sdk:
                for _ in range(5):
                    assert sdk.chat.completions.create(model=LLAMA, messages=HI).choices[0].finish_reason == "stop"
        except BaseException as error:  # reported below, on the test's thread
            failures.append(error)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert len(server.requests) == 40


# -- faults -----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("status", "exception"), STATUS_ERRORS)
def test_fail_next_raises_the_sdks_exception(
    server: OpenAICompatibleServer, client: openai.OpenAI, status: int, exception: type[openai.APIStatusError]
) -> None:
    server.fail_next(status, server.error_body(status, "injected"))
    with pytest.raises(exception) as failed:
        chat(client)
    assert failed.value.status_code == status
    assert isinstance(failed.value.body, dict)
    assert failed.value.body["message"] == "injected"
    assert chat(client).choices[0].finish_reason == "stop"  # used once


def test_fail_next_bodies_paths_and_times(server: OpenAICompatibleServer, client: openai.OpenAI) -> None:
    assert server.error_body(500) == vllm_error("Internal server error", "InternalServerError", code=500)
    assert server.error_body(503)["error"]["type"] == "ServiceUnavailableError"
    server.fail_next(502, "Bad gateway", headers={"Retry-After": "1"}, times=2)
    for _ in range(2):
        with pytest.raises(openai.InternalServerError) as failed:
            client.completions.create(model=LLAMA, prompt="x")
        assert failed.value.response.headers["retry-after"] == "1"
    # path=None leaves GET routes alone; a path matches that route only.
    server.fail_next(500, path="/v1/models")
    assert chat(client).choices[0].finish_reason == "stop"
    with pytest.raises(openai.InternalServerError):
        client.models.list()
    assert [request.path for request in server.requests][-2:] == ["/v1/chat/completions", "/v1/models"]


def test_a_cut_stream_raises_while_iterating(server: OpenAICompatibleServer, client: openai.OpenAI) -> None:
    server.cut_next_stream(after_events=2)
    with chat(client, stream=True) as stream:
        assert [next(stream).choices[0].delta.content for _ in range(2)] == ["", " one"]
        # openai 3.x wraps the broken read in APIConnectionError; 1.x and 2.x let their HTTP library's through.
        base = importlib.import_module("openai._base_client")
        sdk_http = getattr(base, "httpx2", None) or base.httpx  # the HTTP library this SDK sends with
        with pytest.raises((openai.APIConnectionError, sdk_http.RemoteProtocolError)):
            next(stream)
    assert chat(client).choices[0].finish_reason == "stop"  # the next request is served


def test_a_cut_stream_never_lets_the_ending_through(server: OpenAICompatibleServer, http: httpx.Client) -> None:
    server.cut_next_stream(after_events=100)
    request = {"model": LLAMA, "messages": HI, "stream": True, "stream_options": {"include_usage": True}}
    received = bytearray()

    def read_all() -> None:
        with http.stream("POST", "/chat/completions", json=request) as response:
            for part in response.iter_bytes():
                received.extend(part)

    with pytest.raises(httpx.RemoteProtocolError):
        read_all()
    payloads = sse_payloads(received.decode())
    assert len(payloads) == 6  # the role chunk and five words: no finishing chunk, no usage, no [DONE]
    assert all(json.loads(payload)["choices"][0]["finish_reason"] is None for payload in payloads)


def test_error_next_stream(server: OpenAICompatibleServer, client: openai.OpenAI) -> None:
    server.error_next_stream(after_events=1)
    stream = chat(client, stream=True)
    assert next(stream).choices[0].delta.role == "assistant"
    with pytest.raises(openai.APIError) as failed:
        next(stream)
    assert failed.value.body == vllm_error("Internal server error", "InternalServerError", code=500)["error"]


def test_malformed_next_stream(server: OpenAICompatibleServer, client: openai.OpenAI) -> None:
    server.malformed_next_stream(after_events=1)
    stream = chat(client, stream=True)
    next(stream)
    with pytest.raises(json.JSONDecodeError):
        next(stream)


def test_stall_next_trips_the_client_timeout(server: OpenAICompatibleServer) -> None:
    # Stalled far longer than the client waits; stop() at teardown ends the stall at once.
    server.stall_next(120)
    sdk = openai.OpenAI(base_url=server.url, api_key="x", max_retries=0, timeout=1.0)
    with sdk, pytest.raises(openai.APITimeoutError):
        sdk.chat.completions.create(model=LLAMA, messages=HI)


# -- /v1/responses -------------------------------------------------------------------------------------------
def test_responses(client: openai.OpenAI) -> None:
    response = client.responses.create(model=LLAMA, input="Hi", instructions="Be brief.", temperature=0)

    assert type(response) is openai.types.responses.Response
    assert (response.status, response.output_text, response.model) == ("completed", " one two three four five", LLAMA)
    assert response.id.startswith("resp_")
    assert str(response.output[0].id).startswith("msg_")
    assert response.usage is not None
    assert (response.usage.output_tokens, response.temperature, response.top_p) == (6, 0.0, 1.0)  # the EOS counts
    assert response.instructions == "Be brief."


def test_responses_on_the_wire(http: httpx.Client) -> None:
    answer = http.post("/responses", json={"model": LLAMA, "input": "Hi", "max_output_tokens": 2}).json()

    opening = ["id", "created_at", "incomplete_details", "instructions", "metadata", "model", "object", "output"]
    assert list(answer)[:8] == opening
    assert (answer["status"], answer["incomplete_details"]) == ("incomplete", {"reason": "max_output_tokens"})
    assert answer["output"][0]["content"] == [
        {"annotations": [], "text": " one two", "type": "output_text", "logprobs": []}
    ]
    assert answer["usage"]["input_tokens_details"]["cached_tokens"] == 0


def test_responses_stream_on_the_wire(http: httpx.Client) -> None:
    request = {"model": LLAMA, "input": [{"role": "user", "content": [{"type": "input_text", "text": "Hi"}]}]}
    with http.stream("POST", "/responses", json={**request, "stream": True, "max_output_tokens": 2}) as response:
        text = response.read().decode()

    frames = [frame.split("\n") for frame in text.split("\n\n") if frame]
    names = [name.removeprefix("event: ") for name, _ in frames]
    payloads = [json.loads(data.removeprefix("data: ")) for _, data in frames]
    assert names == [
        "response.created", "response.in_progress", "response.output_item.added", "response.content_part.added",
        "response.output_text.delta", "response.output_text.delta", "response.output_text.done",
        "response.content_part.done", "response.output_item.done", "response.completed",
    ]  # fmt: skip
    assert [payload["type"] for payload in payloads] == names
    assert [payload["sequence_number"] for payload in payloads] == list(range(len(names)))
    assert [payload["delta"] for payload in payloads[4:6]] == [" one", " two"]
    assert payloads[-1]["response"]["status"] == "incomplete"


def test_responses_stream_through_the_sdk(client: openai.OpenAI) -> None:
    with client.responses.stream(model=LLAMA, input="Hi") as stream:
        deltas = [event.delta for event in stream if event.type == "response.output_text.delta"]
        final = stream.get_final_response()

    assert "".join(deltas) == final.output_text == " one two three four five"
    assert final.status == "completed"


@pytest.mark.parametrize(
    ("fields", "status", "message"),
    [
        ({}, 400, "'loc': 'body.input', 'msg': 'Field required'"),
        ({"input": "x", "prompt": {"id": "p"}}, 400, "prompt template is not supported"),
        ({"input": "x", "background": True, "store": False}, 400, "background can only be used when `store` is true"),
        ({"input": "x", "previous_response_id": "resp_1"}, 404, "Response with id 'resp_1' not found."),
        ({"input": "x", "text": {"format": {"type": "json_object"}}}, 501, "json_object is not supported"),
        ({"input": "x", "temperature": 3}, 400, "temperature must be in [0, 2], got 3.0."),
        ({"input": "x", "tools": [{"type": "function", "name": "f"}]}, 400, "not tools"),
        ({"input": [{"type": "function_call_output", "call_id": "c", "output": "o"}]}, 400, "'function_call_output'"),
    ],
)
def test_responses_refusals(client: openai.OpenAI, fields: dict[str, Any], status: int, message: str) -> None:
    with pytest.raises(openai.APIStatusError) as raised:
        client.responses.create(model=LLAMA, **fields)

    assert raised.value.status_code == status
    assert message in str(raised.value.message)


def test_responses_follow_a_json_schema(client: openai.OpenAI, server: OpenAICompatibleServer) -> None:
    server.reply = None
    schema = {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}
    text_format: Any = {"format": {"type": "json_schema", "name": "n", "schema": schema}}

    response = client.responses.create(model=LLAMA, input="A number", text=text_format)

    assert isinstance(json.loads(response.output_text)["n"], int)

"""Every entry point of the SDK, routed to an OpenAI-compatible server (the vLLM stand-in): the answer is the one
the SDK gets pointed straight at that server, field for field, sync and async, plain and streamed."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from typing import Any

import openai
import pytest

import easyllm_shim
from easyllm_shim.testing import OpenAICompatibleServer

from .conftest import HF_TOKEN, LLAMA
from .sdk import OPENAI_KEY, SDK

MESSAGES = [{"role": "user", "content": "Say hi."}]
# What varies between two answers to one request: ids and clocks.
_FRESH = frozenset({"id", "created", "created_at", "item_id"})


@pytest.fixture
def vllm(openai_server: OpenAICompatibleServer) -> OpenAICompatibleServer:
    """vLLM serving Llama 2, configured as the endpoint of routed models."""
    easyllm_shim.patch(api_base=openai_server.url, token=HF_TOKEN)
    return openai_server


@pytest.fixture
def direct(vllm: OpenAICompatibleServer, asynchronous: bool) -> Iterator[SDK]:
    """The SDK pointed straight at the server: the reference answer (the shim leaves such a client alone)."""
    client = SDK(asynchronous, vllm.url)
    yield client
    client.close()


def settled(value: Any) -> Any:
    """An answer without what differs between two answers to one request."""
    if hasattr(value, "model_dump"):
        value = value.model_dump(warnings=False)  # a base64 embedding is a str where the type says floats
    if isinstance(value, dict):
        return {key: settled(item) for key, item in value.items() if key not in _FRESH}
    if isinstance(value, list):
        return [settled(item) for item in value]
    return value


def calls(server: OpenAICompatibleServer, path: str) -> list[Any]:
    return [request for request in server.requests if request.path == f"/v1{path}"]


def run(sdk: SDK, call: Callable[[Any], Any]) -> Any:
    """`call(client)` on the sync client, or awaited on the async one."""

    async def awaited(client: Any) -> Any:
        return await call(client)

    return sdk.run(call, awaited)


def streamed(sdk: SDK, call: Callable[[Any], Any]) -> list[Any]:
    """The events of the stream `call(client)` opens, read to the end."""

    def sync(client: Any) -> list[Any]:
        with call(client) as stream:
            return list(stream)

    async def asynchronous(client: Any) -> list[Any]:
        async with await call(client) as stream:
            return [event async for event in stream]

    return sdk.run(sync, asynchronous)  # type: ignore[no-any-return]


def test_the_server_gets_the_sdks_request_with_the_hf_token_only(vllm: OpenAICompatibleServer, sdk: SDK) -> None:
    sdk.create(model=LLAMA, messages=MESSAGES, temperature=0, max_tokens=5, extra_body={"top_k": 3})

    [call] = calls(vllm, "/chat/completions")
    assert call.json() == {"messages": MESSAGES, "model": LLAMA, "temperature": 0, "max_tokens": 5, "top_k": 3}
    assert call.headers["authorization"] == f"Bearer {HF_TOKEN}"
    assert OPENAI_KEY not in json.dumps(call.headers)


def test_chat(vllm: OpenAICompatibleServer, sdk: SDK, direct: SDK) -> None:
    request = {"model": LLAMA, "messages": MESSAGES, "seed": 7, "max_tokens": 12}

    routed = sdk.create(**request)

    assert type(routed) is openai.types.chat.ChatCompletion
    assert settled(routed) == settled(direct.create(**request))


def test_chat_stream(vllm: OpenAICompatibleServer, sdk: SDK, direct: SDK) -> None:
    request = {"model": LLAMA, "messages": MESSAGES, "seed": 7, "stream_options": {"include_usage": True}}

    routed = sdk.stream(**request).chunks

    assert all(type(chunk) is openai.types.chat.ChatCompletionChunk for chunk in routed)
    assert routed[-1].usage is not None
    assert settled(routed) == settled(direct.stream(**request).chunks)


def test_chat_raw_response_and_parse(vllm: OpenAICompatibleServer, sdk: SDK) -> None:
    schema = {"type": "object", "properties": {"answer": {"type": "string"}}, "required": ["answer"]}
    response_format = {"type": "json_schema", "json_schema": {"name": "reply", "schema": schema}}

    response, completion = sdk.raw(model=LLAMA, messages=MESSAGES, response_format=response_format)

    assert response.status_code == 200
    assert set(json.loads(completion.choices[0].message.content)) == {"answer"}  # the server's guided JSON


def test_completions(vllm: OpenAICompatibleServer, sdk: SDK, direct: SDK) -> None:
    request = {"model": LLAMA, "prompt": ["Once upon", "a time"], "max_tokens": 6, "seed": 3, "echo": True}

    routed = run(sdk, lambda client: client.completions.create(**request))

    assert type(routed) is openai.types.Completion
    assert [choice.text.split(" ")[:2] for choice in routed.choices] == [["Once", "upon"], ["a", "time"]]  # echoed
    assert settled(routed) == settled(run(direct, lambda client: client.completions.create(**request)))


def test_completions_stream(vllm: OpenAICompatibleServer, sdk: SDK, direct: SDK) -> None:
    request = {"model": LLAMA, "prompt": "Once upon", "max_tokens": 6, "seed": 3, "stream": True}
    request["stream_options"] = {"include_usage": True}

    routed = streamed(sdk, lambda client: client.completions.create(**request))

    assert all(type(chunk) is openai.types.Completion for chunk in routed)
    assert routed[-1].usage.completion_tokens == 6
    assert settled(routed) == settled(streamed(direct, lambda client: client.completions.create(**request)))


@pytest.mark.parametrize("encoding", ["float", "base64", None])  # None: the SDK's own default, base64
def test_embeddings(vllm: OpenAICompatibleServer, sdk: SDK, direct: SDK, encoding: str | None) -> None:
    request: dict[str, Any] = {"model": LLAMA, "input": ["one", "two"]}
    if encoding is not None:
        request["encoding_format"] = encoding

    routed = run(sdk, lambda client: client.embeddings.create(**request))

    assert type(routed) is openai.types.CreateEmbeddingResponse
    assert settled(routed) == settled(run(direct, lambda client: client.embeddings.create(**request)))
    routed_call = calls(vllm, "/embeddings")[0]
    assert routed_call.json()["encoding_format"] == (encoding or "base64")
    if encoding == "base64":  # the caller asked for the bytes, and gets them as the server sent them
        vector: Any = routed.data[0].embedding  # typed as floats, a str when base64 was asked for
        assert len(base64.b64decode(vector)) == 4 * 384


def test_responses(vllm: OpenAICompatibleServer, sdk: SDK, direct: SDK) -> None:
    request = {"model": LLAMA, "input": "Say hi.", "instructions": "Be brief.", "max_output_tokens": 40}
    request["temperature"] = 0  # greedy: the Responses API has no seed

    routed = run(sdk, lambda client: client.responses.create(**request))

    assert type(routed) is openai.types.responses.Response
    assert routed.status == "completed"
    assert routed.output_text
    assert settled(routed) == settled(run(direct, lambda client: client.responses.create(**request)))
    assert calls(vllm, "/responses")[0].json() == request  # the routed call, as the SDK built it


def test_responses_stream(vllm: OpenAICompatibleServer, sdk: SDK, direct: SDK) -> None:
    parts = [{"type": "input_text", "text": "Hi"}]
    request = {"model": LLAMA, "input": [{"role": "user", "content": parts}], "temperature": 0}

    routed = streamed(sdk, lambda client: client.responses.create(stream=True, max_output_tokens=3, **request))

    assert [event.type for event in routed][0 :: len(routed) - 1] == ["response.created", "response.completed"]
    final = routed[-1].response
    assert final.status == "incomplete"
    assert final.incomplete_details.reason == "max_output_tokens"
    text = "".join(event.delta for event in routed if event.type == "response.output_text.delta")
    assert text == final.output_text
    reference = streamed(direct, lambda client: client.responses.create(stream=True, max_output_tokens=3, **request))
    assert settled(routed) == settled(reference)


def test_the_servers_refusals_are_the_sdks_exceptions(
    openai_server_factory: Callable[..., OpenAICompatibleServer], sdk: SDK
) -> None:
    server = openai_server_factory(max_model_len=16)
    easyllm_shim.patch(api_base=server.url, token=HF_TOKEN)

    with pytest.raises(openai.BadRequestError) as too_long:
        sdk.create(model=LLAMA, messages=[{"role": "user", "content": "word " * 40}])
    with pytest.raises(openai.NotFoundError) as unknown:
        run(sdk, lambda client: client.responses.create(model=LLAMA, input="x", previous_response_id="resp_gone"))

    assert "maximum context length is 16 tokens" in too_long.value.message
    assert unknown.value.status_code == 404
    assert "resp_gone" in unknown.value.message


def test_a_model_the_server_does_not_serve_is_its_404(
    openai_server_factory: Callable[..., OpenAICompatibleServer], sdk: SDK
) -> None:
    server = openai_server_factory(served_model_name="llama")
    easyllm_shim.patch(api_base=server.url, token=HF_TOKEN)

    with pytest.raises(openai.NotFoundError) as raised:
        run(sdk, lambda client: client.embeddings.create(model=LLAMA, input="x"))

    assert f"The model `{LLAMA}` does not exist" in raised.value.message

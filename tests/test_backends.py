"""Endpoint kinds (docs/backends.md) and which clients' calls route: an OpenAI-compatible upstream gets the SDK's
own request and answers the SDK as it is; a client built for another server keeps its calls."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote

import openai
import pytest

import easyllm_shim
from easyllm_shim._config.credentials import Credentials
from easyllm_shim._config.settings import Config
from easyllm_shim._upstream.endpoint import OPENAI, SERVERLESS, TGI, endpoint_for
from easyllm_shim._upstream.tgi import ServerInfo
from easyllm_shim.testing import TGIServer

from .conftest import HF_TOKEN, LLAMA
from .openai_standin import OpenAIStandIn
from .sdk import OPENAI_KEY, SDK
from .wire import generate_calls

MESSAGES = [{"role": "user", "content": "Say hi."}]


def chat_calls(server: TGIServer) -> list[Any]:
    return [request for request in server.requests if request.path == "/v1/chat/completions"]


@pytest.mark.parametrize(
    ("base", "model", "kind", "url"),
    [
        ("http://vllm:8000/v1", LLAMA, OPENAI, "http://vllm:8000/v1"),
        ("https://router.huggingface.co/v1", LLAMA, OPENAI, "https://router.huggingface.co/v1"),
        ("http://tgi:8080", LLAMA, TGI, "http://tgi:8080"),
        ("http://tgi:8080/v1/", LLAMA, OPENAI, "http://tgi:8080/v1"),
        ("https://h/hf-inference/models", LLAMA, SERVERLESS, f"https://h/hf-inference/models/{LLAMA}"),
        (f"https://h/models/{LLAMA}", LLAMA, SERVERLESS, f"https://h/models/{LLAMA}"),
    ],
)
def test_the_shape_of_an_endpoints_url_decides_its_kind(base: str, model: str, kind: str, url: str) -> None:
    config = Config.from_sources(environ={}, api_base=base, token=HF_TOKEN)

    endpoint = endpoint_for(config, model)

    assert (endpoint.kind, endpoint.url) == (kind, url)


def test_with_nothing_configured_routed_models_go_to_hugging_faces_router() -> None:
    endpoint = endpoint_for(Config(credentials=Credentials(None, stored_login=False)), LLAMA)

    assert (endpoint.kind, endpoint.url) == (OPENAI, "https://router.huggingface.co/v1")


@pytest.fixture
def messages_api(tgi: TGIServer) -> TGIServer:
    """TGI's own Messages API (`/v1/chat/completions`) as an OpenAI-compatible upstream."""
    easyllm_shim.patch(api_base=f"{tgi.url}/v1", token=HF_TOKEN)
    return tgi


def test_an_openai_compatible_upstream_gets_the_sdks_request_and_answers_a_genuine_object(
    messages_api: TGIServer, sdk: SDK
) -> None:
    completion = sdk.create(model=LLAMA, messages=MESSAGES, temperature=0.5, max_tokens=20, seed=3)

    assert type(completion) is openai.types.chat.ChatCompletion
    assert completion.choices[0].message.content == " Hello there!"  # TGI's Messages API's answer, as it is
    [call] = chat_calls(messages_api)
    assert call.json() == {"messages": MESSAGES, "model": LLAMA, "temperature": 0.5, "max_tokens": 20, "seed": 3}
    assert call.headers["authorization"] == f"Bearer {HF_TOKEN}"
    assert OPENAI_KEY not in json.dumps(call.headers)
    assert generate_calls(messages_api) == []  # the server builds the prompt, not the shim


def test_an_openai_compatible_upstream_streams_through(messages_api: TGIServer, sdk: SDK) -> None:
    streamed = sdk.stream(model=LLAMA, messages=MESSAGES, stream_options={"include_usage": True})

    content = "".join(chunk.choices[0].delta.content or "" for chunk in streamed.chunks if chunk.choices)
    assert content == " Hello there!"
    assert streamed.chunks[-1].usage is not None
    [call] = chat_calls(messages_api)
    assert call.json()["stream"] is True


def test_the_servers_own_errors_are_the_sdks_exceptions(messages_api: TGIServer, sdk: SDK) -> None:
    with pytest.raises(openai.UnprocessableEntityError) as raised:  # what TGI's Messages API answers
        sdk.create(model=LLAMA, messages=MESSAGES, temperature=-1)

    assert raised.value.status_code == 422
    [call] = chat_calls(messages_api)
    assert call.json()["temperature"] == -1  # the shim refused nothing: the server decides


def test_the_shims_own_prompt_format_field_does_not_reach_such_a_server(messages_api: TGIServer, sdk: SDK) -> None:
    sdk.create(model=LLAMA, messages=MESSAGES, extra_body={"prompt_format": "chatml", "top_k": 5})

    [call] = chat_calls(messages_api)
    assert "prompt_format" not in call.json()
    assert call.json()["top_k"] == 5  # the caller's own parameters reach the server unchanged


@pytest.fixture
def vllm() -> Iterator[OpenAIStandIn]:
    """A server a client was built for, with its own base URL (vLLM, OpenRouter, ...)."""
    with OpenAIStandIn() as standin:
        yield standin


def test_a_client_built_for_another_server_keeps_its_hub_model_calls(
    patched: TGIServer, vllm: OpenAIStandIn, openai_api: OpenAIStandIn, asynchronous: bool
) -> None:
    own = SDK(asynchronous, vllm.url)
    try:
        own.create(model=LLAMA, messages=MESSAGES)
        own.stream(model="openai/gpt-oss-20b", messages=MESSAGES)
    finally:
        own.close()

    assert [request.json()["model"] for request in vllm.requests] == [LLAMA, "openai/gpt-oss-20b"]
    assert all(HF_TOKEN not in json.dumps(request.headers) for request in vllm.requests)
    assert patched.requests == []
    assert openai_api.requests == []


def test_route_all_clients_routes_hub_models_from_every_client(
    tgi: TGIServer, vllm: OpenAIStandIn, asynchronous: bool
) -> None:
    easyllm_shim.patch(api_base=tgi.url, token=HF_TOKEN, route_all_clients=True)
    own = SDK(asynchronous, vllm.url)
    try:
        assert own.create(model=LLAMA, messages=MESSAGES).choices[0].message.content == "Hello there!"
    finally:
        own.close()

    assert len(generate_calls(tgi)) == 1
    assert vllm.requests == []


def test_the_deployments_rules_apply_to_every_client(tgi: TGIServer, vllm: OpenAIStandIn, asynchronous: bool) -> None:
    easyllm_shim.patch(api_base=tgi.url, token=HF_TOKEN, model_map={"gpt-4o-mini": LLAMA})
    own = SDK(asynchronous, vllm.url)
    try:
        own.create(model="gpt-4o-mini", messages=MESSAGES)
    finally:
        own.close()

    assert len(generate_calls(tgi)) == 1
    assert vllm.requests == []


def test_a_model_the_endpoints_name_routes_whatever_its_shape(
    tgi: TGIServer, vllm: OpenAIStandIn, asynchronous: bool
) -> None:
    easyllm_shim.patch(token=HF_TOKEN, endpoints={"llama3.1:8b": f"{tgi.url}/v1"})
    own = SDK(asynchronous, vllm.url)
    try:
        assert own.create(model="llama3.1:8b", messages=MESSAGES).choices[0].message.content == " Hello there!"
    finally:
        own.close()

    [call] = chat_calls(tgi)
    assert call.json()["model"] == "llama3.1:8b"
    assert vllm.requests == []


def test_an_azure_client_keeps_its_calls(patched: TGIServer, vllm: OpenAIStandIn) -> None:
    azure = openai.AzureOpenAI(
        azure_endpoint=vllm.url.removesuffix("/v1"), api_version="2024-06-01", api_key=OPENAI_KEY, max_retries=0
    )
    with azure:
        azure.chat.completions.create(model=LLAMA, messages=MESSAGES)  # type: ignore[arg-type]

    assert [unquote(request.path.split("?")[0]) for request in vllm.requests] == [
        f"/openai/deployments/{LLAMA}/chat/completions"
    ]
    assert patched.requests == []


def test_a_provider_suffix_is_routed_and_sent_as_written(tgi: TGIServer, sdk: SDK) -> None:
    easyllm_shim.patch(api_base=f"{tgi.url}/v1", token=HF_TOKEN)

    sdk.create(model=f"{LLAMA}:fastest", messages=MESSAGES)

    [call] = chat_calls(tgi)
    assert call.json()["model"] == f"{LLAMA}:fastest"


def test_a_tgi_model_of_unknown_format_is_answered_by_tgis_messages_api(
    patched: TGIServer, sdk: SDK, caplog: pytest.LogCaptureFixture
) -> None:
    model = "acme/house-chat-7b"  # neither in the family table nor with a chat template on disk
    with caplog.at_level("INFO", logger="easyllm_shim"):
        completion = sdk.create(model=model, messages=MESSAGES, stop="never")
        streamed = sdk.stream(model=model, messages=MESSAGES)

    assert type(completion) is openai.types.chat.ChatCompletion
    assert (completion.choices[0].message.content or "").strip() == "Hello there!"
    assert completion.id.startswith("chatcmpl-")
    assert "".join(chunk.choices[0].delta.content or "" for chunk in streamed.chunks).strip() == "Hello there!"
    assert streamed.chunks[-1].choices[0].finish_reason == "stop"
    assert generate_calls(patched) == []  # never a prompt in a guessed format
    assert [call.json().get("stop") for call in chat_calls(patched)] == [["never"], None]
    told = [record for record in caplog.records if "no chat format known" in record.getMessage()]
    assert len(told) == 1
    assert model in told[0].getMessage()


def test_a_tgi_server_without_a_messages_api_refuses_a_model_of_unknown_format_clearly(
    patched: TGIServer, sdk: SDK
) -> None:
    patched.fail_next(404, b"", path="/v1/chat/completions")  # TGI < 1.4 has no such route

    with pytest.raises(openai.NotFoundError, match=r"acme/house-chat-7b.*prompt_formats"):
        sdk.create(model="acme/house-chat-7b", messages=MESSAGES)


def test_a_model_the_tgi_server_does_not_run_is_warned_of_once_and_answered_as_the_one_it_runs(
    patched: TGIServer, sdk: SDK, caplog: pytest.LogCaptureFixture
) -> None:
    asked = "mistralai/Mistral-7B-Instruct-v0.2"  # a known format, but the server runs Llama 2
    with caplog.at_level("WARNING", logger="easyllm_shim"):
        completion = sdk.create(model=asked, messages=MESSAGES)
        streamed = sdk.stream(model=asked, messages=MESSAGES)
        typo = sdk.create(model="meta-llama/Lama-2-7b-chat-hf", messages=MESSAGES)  # no known format either

    assert completion.model == LLAMA
    assert {chunk.model for chunk in streamed.chunks} == {LLAMA}
    assert typo.model == LLAMA
    warned = [record.getMessage() for record in caplog.records if "was asked for" in record.getMessage()]
    assert warned == [
        f"easyllm_shim: {asked} was asked for, but the TGI server at {patched.url} runs {LLAMA}",
        f"easyllm_shim: meta-llama/Lama-2-7b-chat-hf was asked for, but the TGI server at {patched.url} runs {LLAMA}",
    ]


@pytest.mark.parametrize(
    ("model_id", "asked", "serves"),
    [
        (LLAMA, LLAMA, True),
        (LLAMA, LLAMA.upper(), True),  # Hub ids ignore case
        ("/data/Llama-2-7b-chat-hf", LLAMA, True),  # a server started on a local copy
        ("/data/Llama-2-7b-chat-hf", "meta-llama/Lama-2-7b-chat-hf", False),
        (LLAMA, "tgi", True),  # "whatever the server runs"
        (None, LLAMA, True),  # a server that does not say
        (LLAMA, "mistralai/Mistral-7B-Instruct-v0.2", False),
    ],
)
def test_whether_a_server_serves_a_model_is_read_from_its_info(model_id: str | None, asked: str, serves: bool) -> None:
    info = ServerInfo.parse(200, json.dumps({"model_id": model_id}).encode())

    assert info.serves(asked) is serves

"""POST /v1/chat/completions as TGI's Messages API answers it, including through the openai SDK."""

from __future__ import annotations

from typing import Any

import httpx2 as httpx
import openai
import pytest

from easyllm_shim._prompts import resolve_format
from easyllm_shim.testing import TGIServer

from .conftest import sse_events

LLAMA = "meta-llama/Llama-2-7b-chat-hf"
HI = [{"role": "user", "content": "Hi"}]
CHUNK_KEYS = ["object", "id", "created", "model", "system_fingerprint", "choices", "usage"]


@pytest.fixture
def seen(tgi_server: TGIServer) -> list[tuple[str, dict[str, Any]]]:
    """The prompts and generation parameters the fake model received; it answers "Hello there!"."""
    calls: list[tuple[str, dict[str, Any]]] = []

    def reply(prompt: str, parameters: dict[str, Any]) -> str:
        calls.append((prompt, parameters))
        return "Hello there!"

    tgi_server.reply = reply
    return calls


def chat(client: httpx.Client, **fields: Any) -> httpx.Response:
    return client.post("/v1/chat/completions", json={"model": "tgi", "messages": HI, **fields})


def test_completion_shape(seen: list[Any], client: httpx.Client) -> None:
    body = chat(client).json()
    assert list(body) == CHUNK_KEYS
    assert (body["object"], body["id"], body["model"], body["system_fingerprint"]) == (
        "chat.completion",
        "",
        LLAMA,
        "3.3.6-dev0-native",
    )
    assert isinstance(body["created"], int)
    assert body["choices"] == [
        {
            "index": 0,
            "message": {"role": "assistant", "content": " Hello there!"},
            "logprobs": None,
            "finish_reason": "stop",
        }
    ]
    # "<s>", "[INST]", " Hi", " ", "[/INST]": the template's BOS is the only one (no add_special_tokens)
    assert body["usage"] == {"prompt_tokens": 5, "completion_tokens": 4, "total_tokens": 9}


def test_the_prompt_is_the_models_chat_template(seen: list[Any], client: httpx.Client) -> None:
    messages = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]
    chat(client, messages=messages)
    assert (
        seen[0][0] == resolve_format(LLAMA).render(messages) == "<s>[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nHi [/INST]"
    )


def test_content_parts_are_joined_and_images_inlined(seen: list[Any], client: httpx.Client) -> None:
    parts = [{"type": "text", "text": "Look: "}, {"type": "image_url", "image_url": {"url": "https://x/cat.png"}}]
    chat(client, messages=[{"role": "user", "content": parts}])
    assert "Look: ![](https://x/cat.png)" in seen[0][0]


@pytest.mark.parametrize(("model", "shown"), [("tgi", LLAMA), (None, LLAMA), ("my-adapter", "my-adapter")])
def test_model_is_echoed_unless_tgi(seen: list[Any], client: httpx.Client, model: str | None, shown: str) -> None:
    body = {"messages": HI} if model is None else {"model": model, "messages": HI}
    assert client.post("/v1/chat/completions", json=body).json()["model"] == shown
    assert seen[0][1]["adapter_id"] == (None if model in (None, "tgi") else model)


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({}, {"do_sample": True, "temperature": None}),
        ({"temperature": 0}, {"do_sample": False, "temperature": None}),
        ({"temperature": 0.5}, {"do_sample": True, "temperature": 0.5}),
        ({"presence_penalty": 0.5}, {"repetition_penalty": 2.5}),
        ({"frequency_penalty": -1.0, "top_p": 0.5, "seed": 7}, {"frequency_penalty": -1.0, "top_p": 0.5, "seed": 7}),
        ({"max_tokens": 9}, {"max_new_tokens": 9}),
        ({"max_completion_tokens": 9}, {"max_new_tokens": 9}),
        ({"top_logprobs": 2, "logprobs": True}, {"top_n_tokens": 2}),
        ({"stop": ["END"]}, {"stop": ["END"]}),
        ({}, {"details": True, "decoder_input_details": True, "best_of": None, "return_full_text": None}),
        ({"stream": True}, {"decoder_input_details": False}),
    ],
)
def test_parameter_mapping(
    seen: list[Any], client: httpx.Client, fields: dict[str, Any], expected: dict[str, Any]
) -> None:
    chat(client, **fields)
    parameters = seen[0][1]
    assert {key: parameters[key] for key in expected} == expected


def test_n_is_ignored(seen: list[Any], client: httpx.Client) -> None:
    assert len(chat(client, n=3).json()["choices"]) == 1


@pytest.mark.parametrize(
    ("fields", "reason", "content"),
    [
        ({}, "stop", " Hello there!"),
        ({"max_tokens": 2}, "length", " Hello there"),
        ({"stop": ["there"]}, "stop_sequence", " Hello there"),  # TGI does not map it to "stop"
    ],
)
def test_finish_reasons(
    seen: list[Any], client: httpx.Client, fields: dict[str, Any], reason: str, content: str
) -> None:
    choice = chat(client, **fields).json()["choices"][0]
    assert (choice["finish_reason"], choice["message"]["content"]) == (reason, content)


def test_logprobs(seen: list[Any], client: httpx.Client) -> None:
    content = chat(client, logprobs=True).json()["choices"][0]["logprobs"]["content"]
    assert [entry["token"] for entry in content] == [" Hello", " there", "!", "</s>"]
    assert all(entry["top_logprobs"] == [] and entry["logprob"] <= 0 for entry in content)
    top = chat(client, logprobs=True, top_logprobs=2).json()["choices"][0]["logprobs"]["content"]
    assert all(list(t) == ["token", "logprob"] for entry in top for t in entry["top_logprobs"])
    assert all(len(entry["top_logprobs"]) == 2 for entry in top)


def test_validation_errors_are_422_json(seen: list[Any], client: httpx.Client) -> None:
    response = chat(client, top_p=1.0)
    assert response.status_code == 422
    assert response.json() == {
        "error": "Input validation error: `top_p` must be > 0.0 and < 1.0",
        "error_type": "validation",
    }


def test_validation_errors_in_a_stream_are_openai_error_events(seen: list[Any], client: httpx.Client) -> None:
    response = chat(client, top_p=1.0, stream=True)
    assert response.status_code == 200
    message = "Input validation error: `top_p` must be > 0.0 and < 1.0"
    assert sse_events(response.text) == [{"error": {"message": message, "http_status_code": 422}}, "[DONE]"]


def test_a_bare_string_stop_is_refused_by_the_extractor(seen: list[Any], client: httpx.Client) -> None:
    response = chat(client, stop="END")
    assert (response.status_code, response.headers["content-type"]) == (422, "text/plain; charset=utf-8")
    assert response.text.startswith("Failed to deserialize the JSON body into the target type: ")
    assert 'stop: invalid type: string "END", expected a sequence at line 1 column ' in response.text


def test_response_format_generates_json(client: httpx.Client) -> None:
    schema = {
        "properties": {"unit": {"type": "string"}, "temperature": {"type": "array", "items": {"type": "integer"}}}
    }
    body = chat(client, response_format={"type": "json_object", "value": schema}).json()
    assert list(body["choices"][0]["message"]) == ["role", "content"]
    content = body["choices"][0]["message"]["content"]
    assert content.startswith('{"temperature":[')
    assert body["choices"][0]["finish_reason"] == "stop"


def test_response_format_with_tools_is_a_tool_error(client: httpx.Client) -> None:
    tools = [{"type": "function", "function": {"name": "f", "parameters": {}}}]
    response = chat(client, tools=tools, response_format={"type": "json", "value": {"properties": {}}})
    expected = {"error": "Tool error: Grammar and tools are mutually exclusive", "error_type": "tool_error"}
    assert (response.status_code, response.json()) == (422, expected)


def test_an_empty_conversation_is_an_empty_input(client: httpx.Client) -> None:
    response = chat(client, messages=[])
    expected = {"error": "Input validation error: `inputs` cannot be empty", "error_type": "validation"}
    assert (response.status_code, response.json()) == (422, expected)


def test_a_conversation_the_template_refuses_is_a_template_error(client: httpx.Client) -> None:
    response = chat(client, messages=[{"role": "assistant", "content": "x"}])
    assert response.status_code == 422
    assert response.json()["error_type"] == "template_error"
    assert response.json()["error"].startswith("Template error: ")


def test_stream_chunks(seen: list[Any], client: httpx.Client) -> None:
    response = chat(client, stream=True)
    assert response.headers["content-type"] == "text/event-stream"
    events = sse_events(response.text)
    assert events[-1] == "[DONE]"
    chunks = events[:-1]
    assert all(list(chunk) == CHUNK_KEYS and chunk["object"] == "chat.completion.chunk" for chunk in chunks)
    assert all(chunk["usage"] is None and chunk["id"] == "" for chunk in chunks)
    choices = [chunk["choices"][0] for chunk in chunks]
    assert [c["delta"] for c in choices] == [
        {"role": "assistant", "content": " Hello"},
        {"role": "assistant", "content": " there"},
        {"role": "assistant", "content": "!"},
        {"role": "assistant", "content": ""},  # the EOS token, blanked
    ]
    assert [c["finish_reason"] for c in choices] == [None, None, None, "stop"]


def test_stream_length_finish_carries_text(seen: list[Any], client: httpx.Client) -> None:
    last = sse_events(chat(client, stream=True, max_tokens=2).text)[-2]["choices"][0]
    assert (last["delta"]["content"], last["finish_reason"]) == (" there", "length")


def test_stream_usage_chunk(seen: list[Any], client: httpx.Client) -> None:
    events = sse_events(chat(client, stream=True, stream_options={"include_usage": True}).text)
    usage = events[-2]
    assert usage["choices"] == []
    assert usage["usage"] == {"prompt_tokens": 5, "completion_tokens": 4, "total_tokens": 9}
    assert events[-3]["choices"][0]["finish_reason"] == "stop"


def test_stream_logprobs_per_chunk(seen: list[Any], client: httpx.Client) -> None:
    chunk = sse_events(chat(client, stream=True, logprobs=True, top_logprobs=1).text)[0]
    (entry,) = chunk["choices"][0]["logprobs"]["content"]
    assert entry["token"] == " Hello"
    assert entry["top_logprobs"] == [{"token": " Hello", "logprob": entry["logprob"]}]


def test_the_openai_sdk_reads_the_answers(tgi_server: TGIServer) -> None:
    tgi_server.reply = "Hello there!"
    with openai.OpenAI(base_url=f"{tgi_server.url}/v1", api_key="unused", max_retries=0) as sdk:
        completion = sdk.chat.completions.create(model="tgi", messages=[{"role": "user", "content": "Hi"}])
        assert completion.choices[0].message.content == " Hello there!"
        assert completion.usage is not None
        assert completion.usage.completion_tokens == 4
        stream = sdk.chat.completions.create(
            model="tgi",
            messages=[{"role": "user", "content": "Hi"}],
            stream=True,
            stream_options={"include_usage": True},
        )
        with stream:
            chunks = list(stream)
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == " Hello there!"
    assert chunks[-1].usage is not None
    assert chunks[-1].usage.total_tokens == 9


def test_the_openai_sdk_raises_on_validation_errors(tgi_server: TGIServer) -> None:
    sdk = openai.OpenAI(base_url=f"{tgi_server.url}/v1", api_key="unused", max_retries=0)
    with sdk, pytest.raises(openai.UnprocessableEntityError):
        sdk.chat.completions.create(model="tgi", messages=[{"role": "user", "content": "Hi"}], top_p=1.0)

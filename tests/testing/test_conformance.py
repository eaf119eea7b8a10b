"""Conformance with TGI's own records in ../shared/reference: its OpenAPI schemas and recorded responses.

Skipped where that folder is absent (a user's clone); every behaviour checked here is also checked
without it in the other test modules.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx2 as httpx
import openai
import pytest

from easyllm_shim.testing import TGIServer

from ..reference import check, jsonschema, openapi_schemas
from .conftest import sse_events

pytestmark = pytest.mark.reference
# Keys the recording clients add to what the server sent (see tgi-snapshots/README.md).
CLIENT_ADDED = {
    "best_of_sequences",
    "top_tokens",
    "name",
    "tool_calls",
    "usage",
    "refusal",
    "function_call",
    "service_tier",
}
CLIENT_ADDED_USAGE = {"completion_tokens_details", "prompt_tokens_details"}


@pytest.fixture(scope="module")
def schemas() -> dict[str, Any]:
    return openapi_schemas()


def snapshot(reference: Path, name: str) -> Any:
    return json.loads((reference / "tgi-snapshots" / name).read_text())


def test_generate_matches_the_openapi(schemas: dict[str, Any], client: httpx.Client) -> None:
    parameters = {"details": True, "top_n_tokens": 2, "best_of": 2, "do_sample": True, "decoder_input_details": True}
    check(schemas, "GenerateResponse", client.post("/generate", json={"inputs": "x", "parameters": parameters}).json())
    check(schemas, "GenerateResponse", client.post("/generate", json={"inputs": "x"}).json())
    for item in client.post("/", json={"inputs": "x", "parameters": {"details": True}}).json():
        check(schemas, "GenerateResponse", item)


def test_errors_match_the_openapi(schemas: dict[str, Any], client: httpx.Client) -> None:
    check(schemas, "ErrorResponse", client.post("/generate", json={"inputs": ""}).json())
    (event,) = sse_events(client.post("/generate_stream", json={"inputs": ""}).text)
    check(schemas, "ErrorResponse", event)


def test_stream_events_match_the_openapi(schemas: dict[str, Any], client: httpx.Client) -> None:
    body = {"inputs": "x", "parameters": {"details": True, "top_n_tokens": 3}}
    for event in sse_events(client.post("/generate_stream", json=body).text):
        check(schemas, "StreamResponse", event)


def test_info_and_tokenize_match_the_openapi(schemas: dict[str, Any], client: httpx.Client) -> None:
    check(schemas, "Info", client.get("/info").json())
    check(schemas, "TokenizeResponse", client.post("/tokenize", json={"inputs": "Hello world"}).json())


def test_chat_matches_the_openapi(schemas: dict[str, Any], client: httpx.Client) -> None:
    body = {"model": "tgi", "messages": [{"role": "user", "content": "Hi"}], "logprobs": True, "top_logprobs": 2}
    check(schemas, "ChatCompletion", client.post("/v1/chat/completions", json=body).json())
    stream = {**body, "stream": True, "stream_options": {"include_usage": True}}
    chunks = sse_events(client.post("/v1/chat/completions", json=stream).text)
    assert chunks[-1] == "[DONE]"
    for chunk in chunks[:-1]:
        check(schemas, "ChatCompletionChunk", chunk)


def test_stop_sequence_snapshot(reference: Path, tgi_server: TGIServer, client: httpx.Client) -> None:
    """test_flash_llama_all_params: stop "test", return_full_text, sampling with seed 0."""
    recorded = snapshot(reference, "test_flash_llama/test_flash_llama_all_params.json")
    tgi_server.reply = "failed: Error in test of stops"
    parameters = {
        "max_new_tokens": 10, "repetition_penalty": 1.2, "return_full_text": True, "stop": ["test"],
        "temperature": 0.5, "top_p": 0.9, "top_k": 10, "truncate": 5, "typical_p": 0.9, "watermark": True,
        "decoder_input_details": True, "seed": 0, "details": True,
    }  # fmt: skip
    ours = client.post("/generate", json={"inputs": "Test request", "parameters": parameters}).json()
    assert ours["generated_text"] == recorded["generated_text"] == "Test request failed: Error in test"
    for key in ("finish_reason", "generated_tokens", "seed", "prefill"):
        assert ours["details"][key] == recorded["details"][key]
    assert [t["text"] for t in ours["details"]["tokens"]] == [t["text"] for t in recorded["details"]["tokens"]]
    assert set(recorded["details"]) - CLIENT_ADDED == set(ours["details"])


def test_length_wins_snapshot(reference: Path, tgi_server: TGIServer, client: httpx.Client) -> None:
    """test_flash_llama_grammar_single_load_instance: the last allowed token completes ".com"."""
    recorded = snapshot(reference, "test_flash_grammar_llama/test_flash_llama_grammar_single_load_instance.json")
    tgi_server.reply = "123456@gmail.com"  # " 123456", "@", "gmail", ".", "com"
    grammar = {"type": "regex", "value": "[\\w-]+@([\\w-]+\\.)+[\\w-]+"}
    parameters = {"max_new_tokens": 5, "stop": [".com"], "seed": 0, "grammar": grammar, "details": True}
    ours = client.post("/generate", json={"inputs": "name: david. email:  ", "parameters": parameters}).json()
    assert ours["generated_text"].strip() == recorded["generated_text"]
    assert ours["details"]["finish_reason"] == recorded["details"]["finish_reason"] == "length"
    assert ours["details"]["seed"] is recorded["details"]["seed"] is None


def test_json_grammar_snapshot(reference: Path, client: httpx.Client) -> None:
    """test_flash_llama_grammar_json: an instance of the schema, then a special EOS not in the text."""
    recorded = snapshot(reference, "test_flash_grammar_llama/test_flash_llama_grammar_json.json")
    schema = {
        "type": "object", "$id": "https://example.com/person.schema.json",
        "$schema": "https://json-schema.org/draft/2020-12/schema", "title": "Person",
        "properties": {
            "firstName": {"type": "string", "description": "The person's first name."},
            "lastName": {"type": "string", "description": "The person's last name."},
            "hobby": {"description": "The person's hobby.", "type": "string"},
            "numCats": {"description": "The number of cats the person has.", "type": "integer", "minimum": 0},
        },
        "required": ["firstName", "lastName", "hobby", "numCats"],
    }  # fmt: skip
    grammar = {"type": "json", "value": json.dumps(schema)}
    parameters = {"max_new_tokens": 100, "decoder_input_details": True, "seed": 0, "details": True, "grammar": grammar}
    body = {"inputs": "info: david holtz like trees and has two cats. ", "parameters": parameters}
    ours = client.post("/generate", json=body).json()
    instance = json.loads(ours["generated_text"])
    jsonschema.validate(instance, schema)
    assert list(instance) == list(json.loads(recorded["generated_text"]))  # same keys, same (sorted) order
    for details in (ours["details"], recorded["details"]):
        assert (details["finish_reason"], details["seed"]) == ("eos_token", None)
        assert {k: details["tokens"][-1][k] for k in ("text", "special")} == {"text": "</s>", "special": True}


def test_compat_route_snapshot(reference: Path, client: httpx.Client) -> None:
    """test_bloom_560m: the client posts to / and unwraps a one-element list; top_p turns sampling on."""
    recorded = snapshot(reference, "test_bloom_560m/test_bloom_560m.json")
    parameters: dict[str, Any] = {"details": True, "do_sample": False, "max_new_tokens": 10, "top_p": 0.9, "seed": 0}
    parameters |= {"decoder_input_details": True, "return_full_text": False, "stop": [], "watermark": False}
    body = {"inputs": "Pour déguster un ortolan, il faut tout d'abord", "parameters": parameters, "stream": False}
    (ours,) = client.post("/", json=body).json()
    for key in ("finish_reason", "generated_tokens", "seed"):
        assert ours["details"][key] == recorded["details"][key]
    assert set(recorded["details"]) - CLIENT_ADDED == set(ours["details"])
    assert ours["details"]["prefill"] == []  # TGI 3 flash models; the bloom recording predates that


def test_chat_snapshot(reference: Path, tgi_server: TGIServer, client: httpx.Client) -> None:
    """test_flash_llama_simple: a long answer cut at max_tokens 100."""
    recorded = snapshot(reference, "test_chat_llama/test_flash_llama_simple.json")
    tgi_server.reply = recorded["choices"][0]["message"]["content"] * 2
    messages = [
        {"role": "system", "content": "Youre a helpful assistant! Answer the users question best you can."},
        {"role": "user", "content": "What is the weather like in Brooklyn, New York?"},
    ]
    body = {"model": "tgi", "messages": messages, "max_tokens": 100, "seed": 1, "stream": False}
    ours = client.post("/v1/chat/completions", json=body).json()
    assert set(ours) == set(recorded)
    choice, recorded_choice = ours["choices"][0], recorded["choices"][0]
    assert set(choice) == set(recorded_choice) - CLIENT_ADDED
    assert set(choice["message"]) == set(recorded_choice["message"]) - CLIENT_ADDED
    assert (ours["object"], ours["id"], choice["finish_reason"]) == (recorded["object"], "", "length")
    assert ours["usage"]["completion_tokens"] == recorded["usage"]["completion_tokens"] == 100
    assert ours["system_fingerprint"].endswith("-native")
    assert recorded["system_fingerprint"].endswith("-native")


def test_chat_stream_usage_snapshot(reference: Path, tgi_server_factory: Any) -> None:
    """test_chat_openai_usage: through the openai SDK, as recorded (Llama 3.1, include_usage)."""
    recorded = snapshot(reference, "test_completion_prompts/test_chat_openai_usage.json")
    server: TGIServer = tgi_server_factory("meta-llama/Llama-3.1-8B-Instruct", reply="OK!")
    with openai.OpenAI(base_url=f"{server.url}/v1", api_key="unused", max_retries=0) as sdk:
        stream = sdk.chat.completions.create(
            model="tgi", messages=[{"role": "user", "content": "Say 'OK!'"}], stream=True, max_tokens=10, seed=42,
            stream_options={"include_usage": True},
        )  # fmt: skip
        with stream:
            ours = [chunk.model_dump() for chunk in stream]
    assert len(ours) == len(recorded) == 4
    for mine, theirs in zip(ours, recorded, strict=True):
        assert (mine["object"], mine["id"], mine["model"]) == (theirs["object"], "", "meta-llama/Llama-3.1-8B-Instruct")
        assert [c["delta"]["content"] for c in mine["choices"]] == [c["delta"]["content"] for c in theirs["choices"]]
        assert [c["delta"]["role"] for c in mine["choices"]] == [c["delta"]["role"] for c in theirs["choices"]]
        assert [c["finish_reason"] for c in mine["choices"]] == [c["finish_reason"] for c in theirs["choices"]]
    usage = {k: v for k, v in ours[-1]["usage"].items() if k not in CLIENT_ADDED_USAGE}
    assert usage["completion_tokens"] == recorded[-1]["usage"]["completion_tokens"] == 3


def test_response_format_snapshot(reference: Path, client: httpx.Client) -> None:
    """test_grammar_response_format_llama_json (raw body): the same keys, a JSON answer, "stop"."""
    recorded = snapshot(reference, "test_grammar_response_format_llama/test_grammar_response_format_llama_json.json")
    temperature = {"items": {"type": "integer"}, "title": "Temperature", "type": "array"}
    weather = {
        "properties": {"unit": {"title": "Unit", "type": "string"}, "temperature": temperature},
        "required": ["unit", "temperature"], "title": "Weather", "type": "object",
    }  # fmt: skip
    messages = [{"role": "user", "content": "What's the weather like the next 3 days in San Francisco, CA?"}]
    for response_format in (
        {"type": "json_object", "value": weather},
        {"type": "json", "value": weather},
        {"type": "json_schema", "value": {"name": "weather", "strict": True, "schema": weather}},
    ):
        body = {"model": "tgi", "messages": messages, "seed": 42, "max_tokens": 500, "response_format": response_format}
        ours = client.post("/v1/chat/completions", json=body).json()
        assert set(ours) == set(recorded)
        assert set(ours["choices"][0]) == set(recorded["choices"][0])
        assert set(ours["choices"][0]["message"]) == set(recorded["choices"][0]["message"]) == {"role", "content"}
        assert ours["choices"][0]["finish_reason"] == recorded["choices"][0]["finish_reason"] == "stop"
        jsonschema.validate(json.loads(ours["choices"][0]["message"]["content"]), weather)

"""The shim against TGI's own records (../shared/reference): its OpenAPI schema and recorded responses.

Skipped where that folder is absent (a user's clone); the same behaviours are tested without it in
test_semantics.py and translate/test_chat.py.
"""

from __future__ import annotations

import json
from typing import Any

import openai
import pytest

from easyllm_shim._prompts import resolve_format
from easyllm_shim._translate.chat import CompletionMeta, chat_completion, plan_chat
from easyllm_shim._translate.generation import read_generation
from easyllm_shim.testing import TGIServer

from .conftest import LLAMA
from .reference import check, openapi_schemas, snapshot
from .test_semantics import WEATHER_TOOL
from .wire import generate_calls

pytestmark = pytest.mark.reference
MESSAGES: list[Any] = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]
SCHEMA = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}


@pytest.mark.parametrize(
    "kwargs",
    [
        pytest.param({}, id="defaults"),
        pytest.param({"stream": True, "stream_options": {"include_usage": True}}, id="stream"),
        pytest.param({"temperature": 0, "max_tokens": 8, "stop": ["\n"]}, id="greedy with stop"),
        pytest.param({"temperature": 0.7, "top_p": 0.9, "seed": 3, "frequency_penalty": 0.5}, id="sampling"),
        pytest.param({"n": 2, "seed": 1}, id="n choices"),
        pytest.param({"logprobs": True, "top_logprobs": 2}, id="logprobs"),
        pytest.param({"response_format": {"type": "json_object"}}, id="json mode"),
        pytest.param(
            {"response_format": {"type": "json_schema", "json_schema": {"name": "c", "schema": SCHEMA}}}, id="schema"
        ),
        pytest.param({"tools": [WEATHER_TOOL]}, id="tools"),
        pytest.param(
            {"extra_body": {"top_k": 5, "repetition_penalty": 1.1, "truncate": 100, "typical_p": 0.9}}, id="TGI extras"
        ),
    ],
)
def test_every_request_the_shim_sends_is_valid_under_tgis_openapi(
    patched: TGIServer, kwargs: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    schemas = openapi_schemas()
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")  # the process's OpenAI, where Hub ids route
    client = openai.OpenAI(api_key="sk-test")

    answer: Any = client.chat.completions.create(model=LLAMA, messages=MESSAGES, **kwargs)
    if kwargs.get("stream"):
        list(answer)
    client.close()

    calls = generate_calls(patched)
    assert calls
    for call in calls:
        check(schemas, "GenerateRequest", call.json())


META = CompletionMeta(id="chatcmpl-x", created=1, model=LLAMA)


def answer(name: str, **request: Any) -> dict[str, Any]:
    """The OpenAI choice the shim builds from a recorded TGI /generate response."""
    content = json.dumps(snapshot(name)).encode()
    plan = plan_chat({"model": LLAMA, "messages": MESSAGES, **request}, resolve_format)
    fast, full = read_generation(content), read_generation(content, with_details=True)
    assert (fast.text, fast.finish_reason, fast.generated_tokens) == (
        full.text,
        full.finish_reason,
        full.generated_tokens,
    )
    result: dict[str, Any] = json.loads(chat_completion(plan, META, [fast], prompt_tokens=0))
    return result


def test_a_matched_stop_sequence_is_cut_from_the_text_tgi_returns_with_it() -> None:
    result = answer("test_flash_llama/test_flash_llama_all_params.json", stop=["test"])
    [choice] = result["choices"]
    assert choice["message"]["content"] == "Test request failed: Error in "
    assert choice["finish_reason"] == "stop"
    assert result["usage"]["completion_tokens"] == 5


def test_the_eos_token_is_in_tgis_details_but_never_in_the_answer() -> None:
    [choice] = answer("test_flash_grammar_llama/test_flash_llama_grammar_json.json")["choices"]
    assert json.loads(choice["message"]["content"])["firstName"] == "David"
    assert choice["finish_reason"] == "stop"


def test_length_reported_with_a_completed_stop_string_still_loses_the_stop_text() -> None:
    # TGI checks length before stop sequences, so it reports "length" for "123456@gmail.com" with
    # stop ".com" (tgi-protocol.md §1.3). OpenAI never returns stop text: the shim cuts it and says "stop".
    [choice] = answer("test_flash_grammar_llama/test_flash_llama_grammar_single_load_instance.json", stop=[".com"])[
        "choices"
    ]
    assert choice["message"]["content"] == "123456@gmail"
    assert choice["finish_reason"] == "stop"


def test_length_with_prefill_details() -> None:
    result = answer("test_bloom_560m/test_bloom_560m.json")
    assert result["choices"][0]["finish_reason"] == "length"
    assert result["usage"]["completion_tokens"] == 10

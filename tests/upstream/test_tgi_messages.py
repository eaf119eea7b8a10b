"""A TGI server whose model's chat format the shim does not know: its Messages API builds the prompt, and
TGI's answers are adapted to OpenAI's (recorded TGI answers, driven through the flow)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from easyllm_shim._upstream.steps import Reply, Streaming

from ..flows import Script, run_flow
from ..reference import snapshot
from .test_tgi_flow import config

UNKNOWN = "acme/house-chat-7b"


def script(**answers: Any) -> Script:
    """Answers from a TGI server that runs UNKNOWN."""
    return Script(info=json.dumps({"model_id": UNKNOWN, "max_stop_sequences": 4}).encode(), **answers)


CHAT = {"model": UNKNOWN, "messages": [{"role": "user", "content": "Hi"}]}


def reply_json(outcome: Reply | Streaming) -> Any:
    assert isinstance(outcome, Reply)
    return json.loads(outcome.content)


def events(pieces: list[bytes]) -> list[Any]:
    lines = b"".join(pieces).decode().split("\n\n")
    return [line.removeprefix("data: ") for line in lines if line]


def test_the_request_goes_to_the_messages_api_adapted_to_what_tgi_accepts() -> None:
    answer = snapshot("test_tools_llama/test_flash_llama_grammar_tools_nostream.json")
    scripted = script(answers=[(200, json.dumps(answer).encode())])

    request = {**CHAT, "stop": "END", "top_p": 1, "n": 1, "prompt_format": None}
    run_flow(config(), "/chat/completions", request, scripted)

    info, sent = scripted.sent
    assert info.url == "http://tgi.invalid/info"  # what the server runs, once
    assert sent.url == "http://tgi.invalid/v1/chat/completions"
    assert json.loads(sent.body) == {**CHAT, "stop": ["END"]}  # TGI wants a list, and refuses top_p = 1


def test_a_tool_call_finishes_with_tool_calls_and_gets_an_id() -> None:
    answer = snapshot("test_tools_llama/test_flash_llama_grammar_tools_nostream.json")
    assert (answer["id"], answer["choices"][0]["finish_reason"]) == ("", "stop")  # what TGI says

    completion = reply_json(
        run_flow(config(), "/chat/completions", CHAT, script(answers=[(200, json.dumps(answer).encode())]))
    )

    assert completion["choices"][0]["finish_reason"] == "tool_calls"
    assert completion["id"].startswith("chatcmpl-")
    assert completion["choices"][0]["message"]["tool_calls"] == answer["choices"][0]["message"]["tool_calls"]


def test_a_streamed_tool_call_gets_its_finish_reason_before_done() -> None:
    chunks = snapshot("test_tools_llama/test_flash_llama_grammar_tools_openai.json")
    assert all(chunk["choices"][0]["finish_reason"] is None for chunk in chunks)  # TGI never says it ended
    pieces = [b"data: " + json.dumps(chunk).encode() + b"\n\n" for chunk in chunks] + [b"data: [DONE]\n\n"]
    scripted = script(streams=[pieces])

    outcome = run_flow(config(), "/chat/completions", {**CHAT, "stream": True}, scripted)
    assert isinstance(outcome, Streaming)
    sent = events(scripted.relay(outcome))

    assert sent[-1] == "[DONE]"
    relayed = [json.loads(event) for event in sent[:-1]]
    assert [chunk["choices"][0]["finish_reason"] for chunk in relayed] == [None] * len(chunks) + ["tool_calls"]
    assert len({chunk["id"] for chunk in relayed}) == 1
    assert relayed[0]["id"].startswith("chatcmpl-")


def test_a_stream_without_done_gets_it_and_tgis_finish_reasons_become_openais() -> None:
    chunk = {"object": "chat.completion.chunk", "id": "", "created": 1, "model": UNKNOWN, "choices": []}
    first = {**chunk, "choices": [{"index": 0, "delta": {"role": "assistant", "content": "Hi"}, "finish_reason": None}]}
    last = {**chunk, "choices": [{"index": 0, "delta": {"content": ""}, "finish_reason": "stop_sequence"}]}
    scripted = script(
        streams=[[b"data:" + json.dumps(first).encode() + b"\n\n", b"data:" + json.dumps(last).encode() + b"\n\n"]]
    )

    outcome = run_flow(config(), "/chat/completions", {**CHAT, "stream": True}, scripted)
    assert isinstance(outcome, Streaming)
    sent = events(scripted.relay(outcome))

    assert sent[-1] == "[DONE]"  # TGI < 2.2 ends the stream without it
    assert [json.loads(event)["choices"][0]["finish_reason"] for event in sent[:-1]] == [None, "stop"]


@pytest.mark.parametrize(
    ("status", "body"),
    [(404, b""), (422, b'{"error":"Template error: template not found","error_type":"template_error"}')],
    ids=["no-messages-api", "no-chat-template"],
)
def test_a_server_that_cannot_build_the_prompt_gets_a_clear_error(status: int, body: bytes) -> None:
    outcome = run_flow(config(), "/chat/completions", CHAT, script(answers=[(status, body)]))

    assert isinstance(outcome, Reply)
    assert outcome.status == status
    error = reply_json(outcome)["error"]
    assert UNKNOWN in error["message"]
    assert "prompt_formats" in error["message"]
    assert error["param"] == "model"


@pytest.mark.parametrize(
    ("extra", "named"),
    [({"n": 2}, "'n'"), ({"presence_penalty": 0.5}, "presence_penalty"), ({"logit_bias": {"1": 5}}, "logit_bias")],
)
def test_what_tgis_messages_api_would_ignore_or_reinterpret_is_refused_before_any_request(
    extra: dict[str, Any], named: str
) -> None:
    scripted = script()

    outcome = run_flow(config(), "/chat/completions", {**CHAT, **extra}, scripted)

    assert isinstance(outcome, Reply)
    assert outcome.status == 400
    assert named in json.loads(outcome.content)["error"]["message"]
    assert scripted.sent == []


def test_the_responses_api_for_such_a_model_is_refused_naming_it() -> None:
    scripted = script()
    request = {"model": UNKNOWN, "input": "Hi"}

    outcome = run_flow(config(), "/responses", request, scripted)

    assert isinstance(outcome, Reply)
    assert outcome.status == 400
    assert UNKNOWN in json.loads(outcome.content)["error"]["message"]
    assert scripted.sent == []


def test_a_format_named_for_the_model_keeps_it_on_tgis_native_route() -> None:
    scripted = script(
        answers=[(200, b'{"generated_text":"Hi","details":{"finish_reason":"eos_token","generated_tokens":1}}')]
    )
    configured = config()
    configured = type(configured)(
        api_base=configured.api_base, credentials=configured.credentials, prompt_formats={UNKNOWN: "chatml"}
    )

    run_flow(configured, "/chat/completions", CHAT, scripted)

    assert scripted.paths() == ["info", "generate"]
    assert "<|im_start|>user\nHi<|im_end|>" in json.loads(scripted.sent[-1].body)["inputs"]


TOOLS = [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {}}}}]
CITY_FORMAT = {"type": "json_schema", "json_schema": {"name": "c", "schema": {"type": "object", "properties": {}}}}


@pytest.mark.parametrize(
    ("tool_choice", "response_format", "kept"),
    [
        pytest.param("required", CITY_FORMAT, {"tools", "tool_choice"}, id="required: the tool call's grammar"),
        pytest.param({"type": "function", "function": {"name": "get_weather"}}, CITY_FORMAT, {"tools", "tool_choice"}),
        pytest.param("none", CITY_FORMAT, {"response_format"}, id="none: the format"),
        pytest.param("auto", {"type": "text"}, {"tools", "tool_choice"}, id="a text format asks for nothing"),
    ],
)
def test_tools_with_a_response_format_send_tgi_the_one_grammar_openai_would_apply(
    tool_choice: Any, response_format: Any, kept: set[str]
) -> None:
    # TGI's Messages API refuses both at once ("Grammar and tools are mutually exclusive").
    answer = snapshot("test_tools_llama/test_flash_llama_grammar_tools_nostream.json")
    scripted = script(answers=[(200, json.dumps(answer).encode())])
    request = {**CHAT, "tools": TOOLS, "tool_choice": tool_choice, "response_format": response_format}

    run_flow(config(), "/chat/completions", request, scripted)

    _, sent = scripted.sent
    assert set(json.loads(sent.body)) & {"tools", "tool_choice", "response_format"} == kept


def test_tools_on_auto_with_a_response_format_are_refused_naming_how_to_name_the_format() -> None:
    scripted = script()
    request = {**CHAT, "tools": TOOLS, "response_format": CITY_FORMAT}

    outcome = run_flow(config(), "/chat/completions", request, scripted)

    assert isinstance(outcome, Reply)
    assert outcome.status == 400
    error = json.loads(outcome.content)["error"]
    assert (error["param"], UNKNOWN in error["message"], "prompt_formats" in error["message"]) == (
        "response_format",
        True,
        True,
    )
    assert scripted.sent == []

"""The Responses API → chat → TGI mapping, its `Response` objects and event streams (docs/parameters.md)."""

from __future__ import annotations

import json
from typing import Any

import pydantic
import pytest
from openai.types.responses import (
    Response,
    ResponseCompletedEvent,
    ResponseContentPartAddedEvent,
    ResponseContentPartDoneEvent,
    ResponseCreatedEvent,
    ResponseIncompleteEvent,
    ResponseInProgressEvent,
    ResponseOutputItemAddedEvent,
    ResponseOutputItemDoneEvent,
    ResponseOutputMessage,
    ResponseOutputText,
    ResponseStreamEvent,
    ResponseTextDeltaEvent,
    ResponseTextDoneEvent,
)

from easyllm_shim._prompts import resolve_format
from easyllm_shim._translate.chat import CompletionMeta, plan_chat
from easyllm_shim._translate.errors import InvalidRequest
from easyllm_shim._translate.responses import ResponsesPlan, plan_responses
from easyllm_shim._translate.responses_stream import ResponsesStreamTranslator

from .test_stream import HELLO, final, sse, token

LLAMA = "meta-llama/Llama-2-7b-chat-hf"
META = CompletionMeta(id="resp_0123abcd", created=1700000000, model=LLAMA)
SCHEMA = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
EVENTS: pydantic.TypeAdapter[Any] = pydantic.TypeAdapter(ResponseStreamEvent)
ASSISTANT_OUTPUT = {
    "type": "message",
    "role": "assistant",
    "id": "msg_1",
    "status": "completed",
    "content": [{"type": "output_text", "text": "Hello!", "annotations": []}],
}
CONVERSATION = [
    {"role": "developer", "content": "Be brief."},
    {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "Hi"}]},
    ASSISTANT_OUTPUT,  # an earlier response's output item, sent back as the conversation so far
    {"role": "user", "content": [{"type": "input_text", "text": "Bye"}, {"type": "input_text", "text": "!"}]},
]
HARMLESS = {
    "store": False,
    "metadata": {"a": "b"},
    "user": "u",
    "safety_identifier": "s",
    "prompt_cache_key": "k",
    "service_tier": "auto",
    "truncation": "disabled",
    "parallel_tool_calls": False,
    "include": [],
    "tool_choice": "none",
    "reasoning": {"effort": None},
    "background": False,
    "stream_options": {},
}


def plan(**body: Any) -> ResponsesPlan:
    return plan_responses({"model": LLAMA, "input": "Hi", **body}, resolve_format)


def chat_inputs(messages: list[dict[str, Any]]) -> str:
    return plan_chat({"model": LLAMA, "messages": messages}, resolve_format).inputs


@pytest.mark.parametrize(
    ("responses", "chat"),
    [
        pytest.param({"input": "Hi"}, [{"role": "user", "content": "Hi"}], id="a string is one user turn"),
        pytest.param(
            {"input": "Hi", "instructions": "Be brief."},
            [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}],
            id="instructions are a leading system turn",
        ),
        pytest.param(
            {"input": CONVERSATION},
            [
                {"role": "system", "content": "Be brief."},
                {"role": "user", "content": "Hi"},
                {"role": "assistant", "content": "Hello!"},
                {"role": "user", "content": "Bye!"},
            ],
            id="message items with and without type, text parts joined, earlier output sent back",
        ),
        pytest.param(
            {"input": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]},
            [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}],
            id="system role",
        ),
    ],
)
def test_input_becomes_the_prompt_chat_would_build(responses: dict[str, Any], chat: list[dict[str, Any]]) -> None:
    assert plan(**responses).inputs == chat_inputs(chat)


@pytest.mark.parametrize(
    ("responses", "chat"),
    [
        pytest.param({}, {}, id="defaults"),
        pytest.param({"max_output_tokens": 20}, {"max_tokens": 20}, id="max_output_tokens"),
        pytest.param({"temperature": 0, "top_p": 1}, {"temperature": 0, "top_p": 1}, id="greedy"),
        pytest.param({"temperature": 0.7, "top_p": 0.9}, {"temperature": 0.7, "top_p": 0.9}, id="sampling"),
        pytest.param({"top_k": 5, "repetition_penalty": 1.1}, {"top_k": 5, "repetition_penalty": 1.1}, id="TGI extras"),
        pytest.param({"text": {"format": {"type": "text"}}}, {"response_format": {"type": "text"}}, id="text"),
        pytest.param(
            {"text": {"format": {"type": "json_object"}}},
            {"response_format": {"type": "json_object"}},
            id="json_object",
        ),
        pytest.param(
            {"text": {"format": {"type": "json_schema", "name": "place", "schema": SCHEMA, "strict": True}}},
            {"response_format": {"type": "json_schema", "json_schema": {"name": "place", "schema": SCHEMA}}},
            id="json_schema becomes TGI's grammar",
        ),
        pytest.param(HARMLESS, {}, id="harmless parameters ignored"),
    ],
)
def test_parameters_map_to_tgi_as_the_chat_route_maps_them(responses: dict[str, Any], chat: dict[str, Any]) -> None:
    expected = plan_chat({"model": LLAMA, "messages": [{"role": "user", "content": "Hi"}], **chat}, resolve_format)
    assert plan(**responses).chat.parameters == expected.parameters


def test_stream_and_tgi_bodies_come_from_the_chat_plan() -> None:
    planned = plan(stream=True)
    assert planned.stream
    assert planned.task == "generate"
    assert json.loads(planned.tgi_bodies(serverless=True)[0])["stream"] is True


@pytest.mark.parametrize(
    ("body", "param"),
    [
        pytest.param({"previous_response_id": "resp_1"}, "previous_response_id", id="previous_response_id"),
        pytest.param({"conversation": "conv_1"}, "conversation", id="conversation"),
        pytest.param({"background": True}, "background", id="background"),
        pytest.param({"reasoning": {"effort": "high"}}, "reasoning", id="reasoning effort"),
        pytest.param({"reasoning": {"summary": "auto"}}, "reasoning", id="reasoning summary"),
        pytest.param({"tools": [{"type": "web_search"}]}, "tools", id="tools"),
        pytest.param({"tool_choice": "required"}, "tool_choice", id="tool_choice"),
        pytest.param({"prompt": {"id": "pmpt_1"}}, "prompt", id="prompt templates"),
        pytest.param({"include": ["message.output_text.logprobs"]}, "include", id="include"),
        pytest.param({"top_logprobs": 2}, "top_logprobs", id="top_logprobs"),
        pytest.param({"truncation": "auto"}, "truncation", id="truncation auto"),
        pytest.param({"frequency_penalty": 1}, "frequency_penalty", id="not a Responses parameter"),
        pytest.param({"text": {"verbosity": "low"}}, "text.verbosity", id="verbosity"),
        pytest.param({"text": {"format": {"type": "grammar"}}}, "text.format", id="unknown format"),
        pytest.param(
            {"text": {"format": {"type": "json_schema", "name": "x", "schema": {"type": "string"}}}},
            "text.format",
            id="a schema TGI cannot use",
        ),
        pytest.param({"max_output_tokens": 0}, "max_output_tokens", id="max_output_tokens"),
        pytest.param({"temperature": 3}, "temperature", id="temperature"),
        pytest.param({"instructions": ["x"]}, "instructions", id="instructions"),
        pytest.param({"input": 3}, "input", id="input"),
        pytest.param({"input": [{"role": "tool", "content": "x"}]}, "input", id="role"),
        pytest.param({"input": [{"type": "item_reference", "id": "msg_1"}]}, "input", id="item reference"),
        pytest.param({"input": [{"type": "function_call_output", "call_id": "c", "output": 3}]}, "input", id="output"),
        pytest.param({"tools": [{"type": "function", "name": "f"}], "tool_choice": {"type": "mcp"}}, "tool_choice"),
        pytest.param(
            {"input": [{"role": "user", "content": [{"type": "input_image", "image_url": "https://x/y.png"}]}]},
            "input",
            id="image part",
        ),
        pytest.param(
            {"input": [{"role": "user", "content": [{"type": "input_file", "file_id": "file_1"}]}]}, "input", id="file"
        ),
        pytest.param({"input": []}, "input", id="an empty conversation"),
    ],
)
def test_what_tgi_cannot_honour_is_refused_by_name(body: dict[str, Any], param: str) -> None:
    with pytest.raises(InvalidRequest) as raised:
        plan(**body)
    assert raised.value.param == param
    assert f"'{param}" in str(raised.value)


def answer(text: str, reason: str, tokens: int, prompt_tokens: int = 9) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    generation = {"generated_text": text, "details": {"finish_reason": reason, "generated_tokens": tokens}}
    return 200, [(b"x-prompt-tokens", str(prompt_tokens).encode())], json.dumps(generation).encode()


def test_the_reply_is_a_response_the_sdk_model_validates() -> None:
    planned = plan(instructions="Be brief.", max_output_tokens=50, metadata={"a": "b"})
    body = json.loads(planned.reply_body(META, [answer(" Hello there!", "eos_token", 4)]))

    response = Response.model_validate(body)

    assert (response.id, response.object, response.model) == ("resp_0123abcd", "response", LLAMA)
    assert response.created_at == 1700000000
    assert response.status == "completed"
    assert response.incomplete_details is None
    assert response.output_text == "Hello there!"
    [message] = response.output
    assert isinstance(message, ResponseOutputMessage)
    assert (message.id, message.role, message.status) == ("msg_0123abcd", "assistant", "completed")
    [part] = message.content
    assert isinstance(part, ResponseOutputText)
    assert part.annotations == []
    assert (response.instructions, response.max_output_tokens, response.metadata) == ("Be brief.", 50, {"a": "b"})
    assert (response.temperature, response.top_p, response.tool_choice, response.tools) == (1.0, 1.0, "auto", [])
    assert response.text is not None
    assert response.text.format is not None
    assert response.text.format.type == "text"
    assert response.usage is not None
    assert (response.usage.input_tokens, response.usage.output_tokens, response.usage.total_tokens) == (9, 4, 13)
    assert response.usage.input_tokens_details.cached_tokens == 0
    assert response.usage.output_tokens_details.reasoning_tokens == 0


def test_the_token_limit_makes_the_response_incomplete() -> None:
    response = Response.model_validate(json.loads(plan().reply_body(META, [answer(" Hello", "length", 1)])))

    assert response.status == "incomplete"
    assert response.incomplete_details is not None
    assert response.incomplete_details.reason == "max_output_tokens"
    [message] = response.output
    assert isinstance(message, ResponseOutputMessage)
    assert message.status == "incomplete"


def test_stop_strings_are_cut_from_the_text() -> None:
    reply = plan().reply_body(META, [answer(" Hello</s>", "stop_sequence", 2)])
    assert Response.model_validate(json.loads(reply)).output_text == "Hello"


def test_the_text_format_is_echoed() -> None:
    text_format = {"type": "json_schema", "name": "place", "schema": SCHEMA, "strict": True}
    reply = plan(text={"format": text_format}).reply_body(META, [answer('{"city": "Paris"}', "eos_token", 6)])
    assert json.loads(reply)["text"] == {"format": text_format}


def frames(translator: ResponsesStreamTranslator, stream: bytes, *, step: int | None = None) -> list[tuple[str, Any]]:
    size = step or len(stream)
    out = b"".join(translator.feed(stream[i : i + size]) for i in range(0, len(stream), size))
    out += translator.finish()
    parsed = []
    for frame in out.split(b"\n\n"):
        if frame:
            event_line, data_line = frame.split(b"\n")
            assert event_line.startswith(b"event: ")
            assert data_line.startswith(b"data: ")
            parsed.append((event_line[7:].decode(), json.loads(data_line[6:])))
    return parsed


def events(stream: bytes, **body: Any) -> list[Any]:
    parsed = frames(ResponsesStreamTranslator(plan(stream=True, **body), META), stream)
    assert all(name == data["type"] for name, data in parsed)
    return [EVENTS.validate_python(data) for _, data in parsed]


def test_a_tgi_stream_becomes_openais_response_events_in_order() -> None:
    stream = events(HELLO)

    assert [type(event) for event in stream] == [
        ResponseCreatedEvent,
        ResponseInProgressEvent,
        ResponseOutputItemAddedEvent,
        ResponseContentPartAddedEvent,
        ResponseTextDeltaEvent,
        ResponseTextDeltaEvent,
        ResponseTextDeltaEvent,
        ResponseTextDoneEvent,
        ResponseContentPartDoneEvent,
        ResponseOutputItemDoneEvent,
        ResponseCompletedEvent,
    ]
    assert [event.sequence_number for event in stream] == list(range(len(stream)))
    assert [event.delta for event in stream if isinstance(event, ResponseTextDeltaEvent)] == ["Hello", " there", "!"]
    assert stream[0].response.status == "in_progress"
    assert stream[0].response.output == []
    assert stream[2].item.id == stream[4].item_id == "msg_0123abcd"
    assert stream[7].text == stream[8].part.text == "Hello there!"
    completed = stream[-1].response
    assert completed.id == "resp_0123abcd"
    assert completed.status == "completed"
    assert completed.output_text == "Hello there!"
    assert completed.usage is not None
    assert (completed.usage.input_tokens, completed.usage.output_tokens) == (12, 4)


@pytest.mark.parametrize("step", [1, 5, 23])
def test_byte_boundaries_do_not_change_the_events(step: int) -> None:
    whole = frames(ResponsesStreamTranslator(plan(stream=True), META), HELLO)
    assert frames(ResponsesStreamTranslator(plan(stream=True), META), HELLO, step=step) == whole


def test_the_token_limit_ends_the_stream_with_response_incomplete_as_openai_does() -> None:
    stream = events(sse(token(1, " Hello"), final(2, " there", " Hello there", "length", 2)))

    assert isinstance(stream[-1], ResponseIncompleteEvent)
    assert stream[-1].response.status == "incomplete"
    assert stream[-1].response.incomplete_details is not None
    assert stream[-1].response.incomplete_details.reason == "max_output_tokens"
    assert stream[-2].item.status == "incomplete"


def test_a_stop_string_ends_the_text_and_usage_still_comes_from_tgis_final_event() -> None:
    stream = events(sse(token(1, " Hello"), token(2, "</s>"), token(3, " more"), final(4, "", " x", "length", 4)))

    assert [event.delta for event in stream if isinstance(event, ResponseTextDeltaEvent)] == ["Hello"]
    assert isinstance(stream[-1], ResponseCompletedEvent)
    assert stream[-1].response.output_text == "Hello"
    assert stream[-1].response.usage is not None
    assert stream[-1].response.usage.output_tokens == 4


def test_responses_streams_end_without_done() -> None:
    translator = ResponsesStreamTranslator(plan(stream=True), META)
    out = translator.feed(HELLO)
    assert translator.closed
    assert b"[DONE]" not in out
    assert out.endswith(b"\n\n")


def test_an_error_after_the_first_token_is_an_error_frame_the_sdk_raises_on() -> None:
    translator = ResponsesStreamTranslator(plan(stream=True), META)
    out = translator.feed(sse(token(1, " Hello"), {"error": "CUDA out of memory", "error_type": "generation"}))

    assert translator.closed
    assert out.endswith(b'data: {"error": {"message": "CUDA out of memory", "type": "generation"}}\n\n')
    assert b"response.completed" not in out


def test_an_error_as_the_first_event_is_an_http_error() -> None:
    translator = ResponsesStreamTranslator(plan(stream=True), META)
    assert translator.feed(sse({"error": "Input validation error", "error_type": "validation"})) == b""
    assert translator.early_error is not None
    assert translator.early_error[0] == 422

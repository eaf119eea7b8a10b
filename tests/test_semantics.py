"""Every chat parameter and result field behaves as openai SDK users expect, on each entry point (issue 4)."""

from __future__ import annotations

import json
from typing import Any

import openai
import pytest
from pydantic import BaseModel

import easyllm_shim
from easyllm_shim.testing import TGIServer

from .conftest import HF_TOKEN, LLAMA
from .openai_standin import OpenAIStandIn
from .sdk import SDK, STATUS_ERRORS
from .wire import generate_calls

MESSAGES = [{"role": "user", "content": "What's the weather in Paris?"}]
WEATHER_TOOL: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}},
            "required": ["city", "unit"],
        },
    },
}


def sent(server: TGIServer, index: int = -1) -> Any:
    return generate_calls(server)[index].json()


def content(chunks: list[Any]) -> str:
    return "".join(chunk.choices[0].delta.content or "" for chunk in chunks if chunk.choices)


def test_logprobs_come_back_in_openai_shape(patched: TGIServer, sdk: SDK) -> None:
    completion = sdk.create(model=LLAMA, messages=MESSAGES, logprobs=True, top_logprobs=2)

    entries = completion.choices[0].logprobs.content
    assert "".join(entry.token for entry in entries) == completion.choices[0].message.content == "Hello there!"
    assert all(entry.logprob <= 0 and len(entry.top_logprobs) == 2 for entry in entries)
    assert sent(patched)["parameters"]["top_n_tokens"] == 2


def test_logprobs_ride_along_in_stream_chunks(patched: TGIServer, sdk: SDK) -> None:
    chunks = sdk.stream(model=LLAMA, messages=MESSAGES, logprobs=True).chunks

    tokens = [
        entry.token
        for chunk in chunks
        if chunk.choices and chunk.choices[0].logprobs
        for entry in chunk.choices[0].logprobs.content
    ]
    assert "".join(tokens) == content(chunks) == "Hello there!"


class City(BaseModel):
    name: str
    population: int


def test_parse_fills_message_parsed_from_a_pydantic_model(patched: TGIServer, sdk: SDK) -> None:
    completion = sdk.parse(model=LLAMA, messages=MESSAGES, response_format=City)

    parsed = completion.choices[0].message.parsed
    assert isinstance(parsed, City)
    grammar = sent(patched)["parameters"]["grammar"]
    assert grammar["type"] == "json"
    assert set(grammar["value"]["properties"]) == {"name", "population"}


def test_json_object_mode_answers_a_json_object(patched: TGIServer, sdk: SDK) -> None:
    completion = sdk.create(model=LLAMA, messages=MESSAGES, response_format={"type": "json_object"})

    assert isinstance(json.loads(completion.choices[0].message.content), dict)


def test_tools_return_tool_calls_with_json_arguments(patched: TGIServer, sdk: SDK) -> None:
    completion = sdk.create(model=LLAMA, messages=MESSAGES, tools=[WEATHER_TOOL], tool_choice="required")

    choice = completion.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.content is None
    [call] = choice.message.tool_calls
    assert call.type == "function"
    assert call.id.startswith("call_")
    assert call.function.name == "get_weather"
    arguments = json.loads(call.function.arguments)
    assert set(arguments) == {"city", "unit"}
    assert arguments["unit"] in ("celsius", "fahrenheit")
    assert "get_weather" in sent(patched)["inputs"]  # the model is told about the tools


def test_tool_calls_stream_as_deltas(patched: TGIServer, sdk: SDK) -> None:
    chunks = sdk.stream(model=LLAMA, messages=MESSAGES, tools=[WEATHER_TOOL], tool_choice="required").chunks

    deltas = [call for chunk in chunks if chunk.choices for call in chunk.choices[0].delta.tool_calls or []]
    assert [delta.function.name for delta in deltas] == ["get_weather"]
    assert set(json.loads(deltas[0].function.arguments)) == {"city", "unit"}
    assert chunks[-1].choices[0].finish_reason == "tool_calls"


def test_a_named_tool_choice_calls_that_tool(patched: TGIServer, sdk: SDK) -> None:
    other = {"type": "function", "function": {"name": "get_time", "parameters": {"type": "object", "properties": {}}}}
    choice = {"type": "function", "function": {"name": "get_weather"}}

    completion = sdk.create(model=LLAMA, messages=MESSAGES, tools=[other, WEATHER_TOOL], tool_choice=choice)

    assert completion.choices[0].message.tool_calls[0].function.name == "get_weather"


def test_tool_results_continue_the_conversation(patched: TGIServer, sdk: SDK) -> None:
    messages = [
        *MESSAGES,
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'}}
        ]},
        {"role": "tool", "tool_call_id": "call_1", "content": "18 degrees and sunny"},
    ]  # fmt: skip

    completion = sdk.create(model=LLAMA, messages=messages, tools=[WEATHER_TOOL], tool_choice="none")

    assert completion.choices[0].message.content == "Hello there!"
    assert "18 degrees and sunny" in sent(patched)["inputs"]


STRICT_WEATHER_TOOL: dict[str, Any] = {**WEATHER_TOOL, "function": {**WEATHER_TOOL["function"], "strict": True}}


def grammar_options(server: TGIServer) -> list[Any]:
    options: list[Any] = sent(server)["parameters"]["grammar"]["value"]["properties"]["function"]["anyOf"]
    return options


def test_tools_with_a_response_format_call_a_tool_when_one_is_required(patched: TGIServer, sdk: SDK) -> None:
    # As openai-agents and pydantic-ai send it: an output type and tools together (issue 16).
    completion = sdk.parse(
        model=LLAMA, messages=MESSAGES, response_format=City, tools=[STRICT_WEATHER_TOOL], tool_choice="required"
    )

    [call] = completion.choices[0].message.tool_calls
    assert call.function.parsed_arguments["city"]
    assert completion.choices[0].finish_reason == "tool_calls"
    assert [option["properties"]["_name"]["const"] for option in grammar_options(patched)] == ["get_weather"]


def test_tools_with_a_response_format_on_auto_allow_a_call_or_an_answer_in_the_format(
    patched: TGIServer, sdk: SDK
) -> None:
    completion = sdk.parse(model=LLAMA, messages=MESSAGES, response_format=City, tools=[STRICT_WEATHER_TOOL])

    # The fake model writes the grammar's first option, a call; the other is an answer in the format.
    assert completion.choices[0].message.tool_calls[0].function.name == "get_weather"
    call, answer = grammar_options(patched)
    assert call["properties"]["_name"]["const"] == "get_weather"
    assert set(answer["properties"]["content"]["properties"]) == {"name", "population"}


def test_tools_with_a_response_format_stream_the_tool_call(patched: TGIServer, sdk: SDK) -> None:
    chunks = sdk.stream(
        model=LLAMA,
        messages=MESSAGES,
        tools=[WEATHER_TOOL],
        tool_choice={"type": "function", "function": {"name": "get_weather"}},
        response_format={"type": "json_object"},
    ).chunks

    deltas = [call for chunk in chunks if chunk.choices for call in chunk.choices[0].delta.tool_calls or []]
    assert [delta.function.name for delta in deltas] == ["get_weather"]
    assert chunks[-1].choices[0].finish_reason == "tool_calls"


def test_with_tools_offered_the_model_calls_one_then_answers_the_tool_result_in_text(
    patched: TGIServer, sdk: SDK
) -> None:
    # Issue 17: a whole agent loop (call, tool result, text answer) runs against the testing server.
    first = sdk.create(model=LLAMA, messages=MESSAGES, tools=[WEATHER_TOOL])
    [call] = first.choices[0].message.tool_calls
    messages = [
        *MESSAGES,
        {"role": "assistant", "content": None, "tool_calls": [call.model_dump()]},
        {"role": "tool", "tool_call_id": call.id, "content": "18 degrees and sunny"},
    ]

    final = sdk.create(model=LLAMA, messages=messages, tools=[WEATHER_TOOL])
    forced = sdk.create(model=LLAMA, messages=messages, tools=[WEATHER_TOOL], tool_choice="required")

    assert first.choices[0].finish_reason == "tool_calls"
    assert (final.choices[0].finish_reason, final.choices[0].message.content) == ("stop", "Hello there!")
    assert final.choices[0].message.tool_calls is None
    assert forced.choices[0].message.tool_calls[0].function.name == "get_weather"


def test_with_tools_and_a_response_format_the_model_calls_one_then_answers_in_the_format(
    patched: TGIServer, sdk: SDK
) -> None:
    # An openai-agents Agent with tools and an output_type: call, tool result, then the parsed output.
    first = sdk.parse(model=LLAMA, messages=MESSAGES, response_format=City, tools=[STRICT_WEATHER_TOOL])
    [call] = first.choices[0].message.tool_calls
    messages = [
        *MESSAGES,
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [call.model_dump(exclude={"function": {"parsed_arguments"}})],
        },
        {"role": "tool", "tool_call_id": call.id, "content": "18 degrees and sunny"},
    ]

    final = sdk.parse(model=LLAMA, messages=messages, response_format=City, tools=[STRICT_WEATHER_TOOL])

    assert first.choices[0].finish_reason == "tool_calls"
    message = final.choices[0].message
    assert (final.choices[0].finish_reason, message.tool_calls) == ("stop", None)
    assert isinstance(message.parsed, City)
    assert message.parsed == City.model_validate_json(message.content)
    assert "18 degrees and sunny" in sent(patched)["inputs"]


def test_n_choices_are_generated_with_distinct_seeds(patched: TGIServer, sdk: SDK) -> None:
    completion = sdk.create(model=LLAMA, messages=MESSAGES, n=3, seed=5)

    assert [choice.index for choice in completion.choices] == [0, 1, 2]
    # TGI's schema wants seeds above 0, so TGI gets OpenAI's seed + 1 (docs/parameters.md).
    assert sorted(call.json()["parameters"]["seed"] for call in generate_calls(patched)) == [6, 7, 8]
    assert completion.usage.completion_tokens == 3 * 4


def test_n_choices_stream_with_their_indexes_and_one_usage_chunk(patched: TGIServer, sdk: SDK) -> None:
    patched.reply = lambda prompt, parameters: f"Answer {parameters['seed']}. Bye."
    streamed = sdk.stream(
        model=LLAMA, messages=MESSAGES, n=3, seed=5, stop=["Bye"], stream_options={"include_usage": True}
    )

    chunks = streamed.chunks
    choices = [[c.choices[0] for c in chunks if c.choices and c.choices[0].index == index] for index in range(3)]
    # Choice i was generated with seed + i (+ 1: TGI's seeds are above 0).
    assert ["".join(c.delta.content or "" for c in choice) for choice in choices] == [
        "Answer 6. ",
        "Answer 7. ",
        "Answer 8. ",
    ]
    for choice in choices:
        assert choice[0].delta.role == "assistant"
        assert choice[-1].finish_reason == "stop"
    assert {chunk.id for chunk in chunks} == {chunks[0].id}
    usage_chunks = [chunk for chunk in chunks if chunk.usage is not None]
    assert usage_chunks == [chunks[-1]]
    assert chunks[-1].choices == []
    single = sdk.create(model=LLAMA, messages=MESSAGES, seed=5, stop=["Bye"]).usage
    assert chunks[-1].usage.prompt_tokens == single.prompt_tokens  # the prompt is counted once
    assert chunks[-1].usage.completion_tokens == 3 * single.completion_tokens
    assert sorted(call.json()["parameters"]["seed"] for call in generate_calls(patched)[:3]) == [6, 7, 8]


def test_the_stream_helper_accumulates_every_choice(patched: TGIServer, sdk: SDK) -> None:
    patched.reply = lambda prompt, parameters: f"Answer {parameters['seed']}."
    _, final = sdk.stream_helper(model=LLAMA, messages=MESSAGES, n=2, seed=1)

    assert [choice.message.content for choice in final.choices] == ["Answer 2.", "Answer 3."]
    assert [choice.finish_reason for choice in final.choices] == ["stop", "stop"]


def test_a_choice_that_fails_to_start_fails_the_whole_stream(patched: TGIServer, sdk: SDK) -> None:
    patched.fail_next(422, {"error": "Input validation error: too long", "error_type": "validation"})

    with pytest.raises(openai.UnprocessableEntityError, match="too long"):
        sdk.stream(model=LLAMA, messages=MESSAGES, n=2)


@pytest.mark.parametrize("stream", [False, True])
def test_stop_text_is_never_in_the_answer(patched: TGIServer, sdk: SDK, stream: bool) -> None:
    patched.reply = "Hello there! Bye now."
    kwargs = {"model": LLAMA, "messages": MESSAGES, "stop": ["Bye"]}

    text = content(sdk.stream(**kwargs).chunks) if stream else sdk.create(**kwargs).choices[0].message.content

    assert text == "Hello there! "


def test_max_completion_tokens_ends_with_length(patched: TGIServer, sdk: SDK) -> None:
    completion = sdk.create(model=LLAMA, messages=MESSAGES, max_completion_tokens=2)

    assert completion.choices[0].finish_reason == "length"
    assert completion.usage.completion_tokens == 2
    assert completion.choices[0].message.content == "Hello there"


def test_temperature_zero_is_greedy(patched: TGIServer, sdk: SDK) -> None:
    sdk.create(model=LLAMA, messages=MESSAGES, temperature=0, top_p=1)

    parameters = sent(patched)["parameters"]
    assert parameters["do_sample"] is False
    assert "temperature" not in parameters
    assert "top_p" not in parameters


def test_server_limits_and_fingerprint_come_from_info(tgi_server_factory: Any, sdk: SDK) -> None:
    server = tgi_server_factory(max_stop_sequences=2, reply="one two three four")
    easyllm_shim.patch(api_base=server.url, token=HF_TOKEN)

    completion = sdk.create(model=LLAMA, messages=MESSAGES, stop=["five", "six", "three"])

    assert sent(server)["parameters"]["stop"] == ["five", "six"]
    assert completion.choices[0].message.content == "one two "  # the third stop is still cut client-side
    assert completion.system_fingerprint == "3.3.6-dev0-native"


def test_a_serverless_style_base_uses_the_compat_route(tgi: TGIServer, sdk: SDK) -> None:
    easyllm_shim.patch(api_base=f"{tgi.url}/models", token=HF_TOKEN)

    completion = sdk.create(model=LLAMA, messages=MESSAGES)
    streamed = sdk.stream(model=LLAMA, messages=MESSAGES).chunks

    assert completion.choices[0].message.content == content(streamed) == "Hello there!"
    paths = {request.path for request in tgi.requests}
    assert paths == {f"/models/{LLAMA}"}  # no /info probe on the serverless API
    assert [request.json()["stream"] for request in tgi.requests] == [False, True]
    assert all(request.json()["parameters"]["return_full_text"] is False for request in tgi.requests)


def test_a_loading_model_is_waited_for_as_the_serverless_api_asks(
    tgi: TGIServer, openai_api: OpenAIStandIn, asynchronous: bool
) -> None:
    easyllm_shim.patch(api_base=f"{tgi.url}/models", token=HF_TOKEN)
    tgi.loading_next(estimated_time=0.2)
    sdk = SDK(asynchronous, openai_api.url, max_retries=1)

    assert sdk.create(model=LLAMA, messages=MESSAGES).choices[0].message.content == "Hello there!"
    sdk.close()
    assert len(tgi.requests) == 2


@pytest.mark.parametrize(("status", "exception"), STATUS_ERRORS)
def test_tgi_statuses_raise_the_sdk_exception_for_that_status(
    patched: TGIServer, openai_api: OpenAIStandIn, asynchronous: bool, status: int, exception: type[Exception]
) -> None:
    patched.fail_next(status, {"error": f"failure {status}", "error_type": "generation", "request_id": "r1"})
    sdk = SDK(asynchronous, openai_api.url, max_retries=0)

    with pytest.raises(exception) as raised:
        sdk.create(model=LLAMA, messages=MESSAGES)
    sdk.close()

    error = raised.value
    assert isinstance(error, openai.APIStatusError)
    assert error.status_code == status
    assert f"failure {status}" in error.message
    assert error.body == {
        "message": f"failure {status}",
        "type": "generation",
        "param": None,
        "code": None,
        "request_id": "r1",
    }


def test_plain_text_error_bodies_keep_their_message(patched: TGIServer, sdk: SDK) -> None:
    text = "Failed to deserialize the JSON body into the target type: inputs: invalid type: integer"
    patched.fail_next(422, text)

    with pytest.raises(openai.UnprocessableEntityError, match="Failed to deserialize"):
        sdk.create(model=LLAMA, messages=MESSAGES)

"""`client.responses.create`, `.parse` and `.stream` route Hugging Face models to TGI (issue 6).

Each scenario runs on the sync and the async client, through the real SDK, patched, against the
TGI-protocol server; the SDK builds its own `Response`, event objects and exceptions.
"""

from __future__ import annotations

import json
from typing import Any

import openai
import pytest
from openai.types.responses import (
    Response,
    ResponseCompletedEvent,
    ResponseContentPartAddedEvent,
    ResponseContentPartDoneEvent,
    ResponseCreatedEvent,
    ResponseFunctionToolCall,
    ResponseIncompleteEvent,
    ResponseInProgressEvent,
    ResponseOutputItemAddedEvent,
    ResponseOutputItemDoneEvent,
    ResponseTextDeltaEvent,
    ResponseTextDoneEvent,
)
from pydantic import BaseModel

from easyllm_shim.testing import TGIServer

from .conftest import LLAMA
from .openai_standin import OpenAIStandIn
from .sdk import SDK
from .test_patch import LLAMA_PROMPT, MESSAGES
from .test_semantics import WEATHER_TOOL as CHAT_WEATHER_TOOL
from .wire import generate_calls


class Responses:
    """The Responses API entry points, run on whichever client `sdk` holds (sync or async)."""

    def __init__(self, sdk: SDK) -> None:
        self.sdk = sdk

    def create(self, **kwargs: Any) -> Any:
        return self.sdk.run(lambda c: c.responses.create(**kwargs), lambda c: c.responses.create(**kwargs))

    def stream(self, **kwargs: Any) -> list[Any]:
        def sync(client: Any) -> list[Any]:
            with client.responses.create(stream=True, **kwargs) as stream:
                return list(stream)

        async def asynchronous(client: Any) -> list[Any]:
            async with await client.responses.create(stream=True, **kwargs) as stream:
                return [event async for event in stream]

        return self.sdk.run(sync, asynchronous)  # type: ignore[no-any-return]

    def parse(self, **kwargs: Any) -> Any:
        return self.sdk.run(lambda c: c.responses.parse(**kwargs), lambda c: c.responses.parse(**kwargs))

    def stream_helper(self, **kwargs: Any) -> tuple[list[Any], Any]:
        def sync(client: Any) -> tuple[list[Any], Any]:
            with client.responses.stream(**kwargs) as stream:
                return list(stream), stream.get_final_response()

        async def asynchronous(client: Any) -> tuple[list[Any], Any]:
            async with client.responses.stream(**kwargs) as stream:
                return [event async for event in stream], await stream.get_final_response()

        return self.sdk.run(sync, asynchronous)  # type: ignore[no-any-return]


@pytest.fixture
def responses(sdk: SDK) -> Responses:
    return Responses(sdk)


def sent(server: TGIServer) -> Any:
    return generate_calls(server)[-1].json()


def text_of(events: list[Any]) -> str:
    return "".join(event.delta for event in events if isinstance(event, ResponseTextDeltaEvent))


class City(BaseModel):
    name: str
    population: int


def test_create_routes_to_tgi_and_returns_a_genuine_response(
    patched: TGIServer, responses: Responses, openai_api: OpenAIStandIn
) -> None:
    response = responses.create(model=LLAMA, input="Say hi.", instructions="You are terse.")

    assert type(response) is Response
    assert response.id.startswith("resp_")
    assert response.object == "response"
    assert response.model == LLAMA
    assert response.status == "completed"
    assert response.output_text == "Hello there!"
    [message] = response.output
    assert message.type == "message"
    assert message.id.startswith("msg_")
    assert message.role == "assistant"
    assert response.instructions == "You are terse."
    assert response.usage is not None
    assert response.usage.output_tokens == 4
    assert response.usage.input_tokens > 0
    assert response.usage.total_tokens == response.usage.input_tokens + response.usage.output_tokens
    assert sent(patched)["inputs"] == LLAMA_PROMPT  # instructions are the system turn, input the user turn
    assert openai_api.requests == []


@pytest.mark.parametrize("system_role", ["system", "developer"])
def test_a_message_list_gives_the_prompt_chat_gives(patched: TGIServer, sdk: SDK, system_role: str) -> None:
    items = [
        {"role": system_role, "content": "You are terse."},
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "Say hi."}]},
        {"role": "assistant", "content": [{"type": "output_text", "text": "Hi."}]},
        {"role": "user", "content": "Again."},
    ]
    chat_messages = [*MESSAGES, {"role": "assistant", "content": "Hi."}, {"role": "user", "content": "Again."}]

    Responses(sdk).create(model=LLAMA, input=items)
    sdk.create(model=LLAMA, messages=chat_messages)

    responses_call, chat_call = (call.json() for call in generate_calls(patched))
    assert responses_call["inputs"] == chat_call["inputs"]
    assert responses_call["parameters"] == chat_call["parameters"]


def test_max_output_tokens_ends_the_response_incomplete(patched: TGIServer, responses: Responses) -> None:
    response = responses.create(model=LLAMA, input="Say hi.", max_output_tokens=2)

    assert response.status == "incomplete"
    assert response.incomplete_details.reason == "max_output_tokens"
    assert response.output_text == "Hello there"
    assert response.usage.output_tokens == 2
    assert response.max_output_tokens == 2
    assert sent(patched)["parameters"]["max_new_tokens"] == 2


def test_sampling_parameters_reach_tgi(patched: TGIServer, responses: Responses) -> None:
    response = responses.create(model=LLAMA, input="Say hi.", temperature=0.5, top_p=0.9)

    parameters = sent(patched)["parameters"]
    assert (parameters["temperature"], parameters["top_p"], parameters["do_sample"]) == (0.5, 0.9, True)
    assert (response.temperature, response.top_p) == (0.5, 0.9)


def test_a_json_schema_text_format_constrains_tgi_to_the_schema(patched: TGIServer, responses: Responses) -> None:
    schema = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
    text_format = {"type": "json_schema", "name": "place", "schema": schema, "strict": True}

    response = responses.create(model=LLAMA, input="Where?", text={"format": text_format})

    assert set(json.loads(response.output_text)) == {"city"}
    assert sent(patched)["parameters"]["grammar"] == {"type": "json", "value": schema}
    assert response.text.format.type == "json_schema"


def test_parse_fills_output_parsed_from_a_pydantic_model(patched: TGIServer, responses: Responses) -> None:
    response = responses.parse(model=LLAMA, input="A city?", text_format=City)

    assert isinstance(response.output_parsed, City)
    assert set(sent(patched)["parameters"]["grammar"]["value"]["properties"]) == {"name", "population"}


def test_a_stream_is_openais_event_sequence_with_the_sdks_event_types(patched: TGIServer, responses: Responses) -> None:
    plain = responses.create(model=LLAMA, input="Say hi.")
    events = responses.stream(model=LLAMA, input="Say hi.")

    kinds = [type(event) for event in events]
    deltas = kinds.count(ResponseTextDeltaEvent)
    assert deltas > 1
    assert kinds == [
        ResponseCreatedEvent,
        ResponseInProgressEvent,
        ResponseOutputItemAddedEvent,
        ResponseContentPartAddedEvent,
        *[ResponseTextDeltaEvent] * deltas,
        ResponseTextDoneEvent,
        ResponseContentPartDoneEvent,
        ResponseOutputItemDoneEvent,
        ResponseCompletedEvent,
    ]
    assert [event.sequence_number for event in events] == list(range(len(events)))
    assert text_of(events) == events[-4].text == plain.output_text == "Hello there!"
    final = events[-1].response
    assert final.id == events[0].response.id
    assert final.output_text == "Hello there!"
    assert final.usage.output_tokens == plain.usage.output_tokens
    assert final.usage.input_tokens == plain.usage.input_tokens
    assert generate_calls(patched)[-1].path == "/generate_stream"


def test_a_stream_cut_by_the_token_limit_ends_with_response_incomplete(
    patched: TGIServer, responses: Responses
) -> None:
    events = responses.stream(model=LLAMA, input="Say hi.", max_output_tokens=2)

    assert isinstance(events[-1], ResponseIncompleteEvent)
    assert events[-1].response.incomplete_details is not None
    assert events[-1].response.incomplete_details.reason == "max_output_tokens"
    assert text_of(events) == "Hello there"


def test_the_stream_helper_gives_the_final_parsed_response(patched: TGIServer, responses: Responses) -> None:
    events, final = responses.stream_helper(model=LLAMA, input="A city?", text_format=City)

    assert isinstance(final.output_parsed, City)
    assert json.loads(text_of(events)) == final.output_parsed.model_dump()


def test_an_error_event_mid_stream_raises_during_iteration(patched: TGIServer, responses: Responses) -> None:
    patched.error_next_stream(after_events=2)

    with pytest.raises(openai.APIError, match="CUDA out of memory"):
        responses.stream(model=LLAMA, input="Say hi.")


def test_a_tgi_failure_raises_the_sdk_exception_for_its_status(
    patched: TGIServer, openai_api: OpenAIStandIn, asynchronous: bool
) -> None:
    patched.fail_next(422, {"error": "Input validation error", "error_type": "validation"})
    responses = Responses(SDK(asynchronous, openai_api.url, max_retries=0))

    with pytest.raises(openai.UnprocessableEntityError, match="Input validation error"):
        responses.create(model=LLAMA, input="Say hi.")
    responses.sdk.close()


# The Responses API's function tools are flat: the chat route's, without the `function` level.
WEATHER_TOOL = {"type": "function", **CHAT_WEATHER_TOOL["function"]}


def assert_a_weather_call(call: Any) -> None:
    assert isinstance(call, ResponseFunctionToolCall)  # the stream helper gives its Parsed… subclass
    assert (call.type, call.name, call.status) == ("function_call", "get_weather", "completed")
    assert call.call_id.startswith("call_")
    arguments = json.loads(call.arguments)
    assert set(arguments) == {"city", "unit"}
    assert arguments["unit"] in ("celsius", "fahrenheit")


def test_function_tools_answer_with_function_call_items(patched: TGIServer, responses: Responses) -> None:
    response = responses.create(model=LLAMA, input="Weather in Paris?", tools=[WEATHER_TOOL], tool_choice="required")

    [call] = response.output
    assert_a_weather_call(call)
    assert response.status == "completed"
    assert [tool.name for tool in response.tools] == ["get_weather"]
    assert "get_weather" in sent(patched)["inputs"]  # the model is told about the tool
    assert "grammar" in sent(patched)["parameters"]


CITY_FORMAT = {
    "format": {
        "type": "json_schema",
        "name": "city",
        "schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    }
}


@pytest.mark.parametrize(("tool_choice", "options"), [("required", 1), ("auto", 2)])
def test_function_tools_with_a_text_format_answer_with_function_call_items(
    patched: TGIServer, responses: Responses, tool_choice: str, options: int
) -> None:
    # An openai-agents Agent with tools and an output_type sends both (issue 16).
    response = responses.create(
        model=LLAMA, input="Weather in Paris?", tools=[WEATHER_TOOL], text=CITY_FORMAT, tool_choice=tool_choice
    )

    [call] = response.output
    assert_a_weather_call(call)
    # auto: the call, or an answer in the format
    assert len(sent(patched)["parameters"]["grammar"]["value"]["properties"]["function"]["anyOf"]) == options


def test_a_named_tool_choice_calls_that_function(patched: TGIServer, responses: Responses) -> None:
    other = {"type": "function", "name": "get_time", "parameters": {"type": "object", "properties": {}}}
    choice = {"type": "function", "name": "get_weather"}

    response = responses.create(model=LLAMA, input="Weather?", tools=[other, WEATHER_TOOL], tool_choice=choice)

    assert_a_weather_call(response.output[0])


def test_a_streamed_function_call_is_openais_event_sequence(patched: TGIServer, responses: Responses) -> None:
    events = responses.stream(model=LLAMA, input="Weather in Paris?", tools=[WEATHER_TOOL], tool_choice="required")

    assert [event.type for event in events] == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.function_call_arguments.delta",
        "response.function_call_arguments.done",
        "response.output_item.done",
        "response.completed",
    ]
    assert [event.sequence_number for event in events] == list(range(len(events)))
    added, delta, done, item_done, completed = events[2:]
    assert (added.item.arguments, added.item.status) == ("", "in_progress")
    assert delta.delta == done.arguments == item_done.item.arguments
    assert delta.item_id == done.item_id == item_done.item.id == added.item.id
    assert_a_weather_call(item_done.item)
    [call] = completed.response.output
    assert_a_weather_call(call)
    assert completed.response.usage.output_tokens > 0


def test_the_stream_helper_collects_the_function_call(patched: TGIServer, responses: Responses) -> None:
    _, final = responses.stream_helper(model=LLAMA, input="Weather?", tools=[WEATHER_TOOL], tool_choice="required")

    assert_a_weather_call(final.output[0])


def test_function_call_outputs_continue_the_conversation(patched: TGIServer, responses: Responses) -> None:
    turns = [
        {"role": "user", "content": "Weather in Paris?"},
        {"type": "function_call", "call_id": "call_1", "name": "get_weather", "arguments": '{"city": "Paris"}'},
        {"type": "function_call_output", "call_id": "call_1", "output": "18 degrees and sunny"},
    ]

    response = responses.create(model=LLAMA, input=turns, tools=[WEATHER_TOOL], tool_choice="none")
    streamed = responses.stream(model=LLAMA, input=turns, tools=[WEATHER_TOOL], tool_choice="none")

    assert response.output_text == streamed[-1].response.output_text == "Hello there!"
    prompt = sent(patched)["inputs"]
    assert '"_name": "get_weather"' in prompt  # the earlier call, as the model wrote it
    assert "Result of get_weather: 18 degrees and sunny" in prompt


def test_function_call_outputs_as_text_parts_continue_the_conversation(
    patched: TGIServer, responses: Responses
) -> None:
    # The SDK's type allows a list of parts; haystack always sends one.
    output = [{"type": "input_text", "text": "18 degrees"}, {"type": "input_text", "text": " and sunny"}]
    turns = [
        {"role": "user", "content": "Weather in Paris?"},
        {"type": "function_call", "call_id": "call_1", "name": "get_weather", "arguments": '{"city": "Paris"}'},
        {"type": "function_call_output", "call_id": "call_1", "output": output},
    ]

    response = responses.create(model=LLAMA, input=turns, tools=[WEATHER_TOOL], tool_choice="none")

    assert response.output_text == "Hello there!"
    assert "Result of get_weather: 18 degrees and sunny" in sent(patched)["inputs"]


@pytest.mark.parametrize(
    "part",
    [
        pytest.param({"type": "input_image", "image_url": "https://x.test/a.png", "detail": "auto"}, id="image"),
        pytest.param({"type": "input_file", "file_id": "file_123"}, id="file"),
    ],
)
def test_function_call_outputs_with_images_or_files_are_refused_before_any_network_call(
    patched: TGIServer, responses: Responses, openai_api: OpenAIStandIn, part: dict[str, Any]
) -> None:
    turns = [
        {"type": "function_call", "call_id": "call_1", "name": "get_weather", "arguments": "{}"},
        {"type": "function_call_output", "call_id": "call_1", "output": [{"type": "input_text", "text": "x"}, part]},
    ]

    with pytest.raises(openai.BadRequestError, match=r"input\[1\]\.output\[1\]' of type '\w+'.*text only") as raised:
        responses.create(model=LLAMA, input=turns, tools=[WEATHER_TOOL])

    assert raised.value.param == "input"
    assert generate_calls(patched) == []
    assert openai_api.requests == []


def test_with_tools_offered_a_function_call_output_is_answered_in_text(
    patched: TGIServer, responses: Responses
) -> None:
    # Issue 17: the Responses agent loop ends in text; tool_choice "required" still forces a call.
    [call] = responses.create(model=LLAMA, input="Weather in Paris?", tools=[WEATHER_TOOL]).output
    turns = [
        {"role": "user", "content": "Weather in Paris?"},
        {"type": "function_call", "call_id": call.call_id, "name": call.name, "arguments": call.arguments},
        {"type": "function_call_output", "call_id": call.call_id, "output": "18 degrees and sunny"},
    ]

    final = responses.create(model=LLAMA, input=turns, tools=[WEATHER_TOOL])
    forced = responses.create(model=LLAMA, input=turns, tools=[WEATHER_TOOL], tool_choice="required")

    assert_a_weather_call(call)
    assert final.output_text == "Hello there!"
    assert [item.type for item in final.output] == ["message"]
    assert_a_weather_call(forced.output[0])


@pytest.mark.parametrize(
    ("kwargs", "param"),
    [
        pytest.param({"previous_response_id": "resp_123"}, "previous_response_id", id="previous_response_id"),
        pytest.param({"conversation": "conv_123"}, "conversation", id="conversation"),
        pytest.param({"background": True}, "background", id="background"),
        pytest.param({"reasoning": {"effort": "high"}}, "reasoning", id="reasoning"),
        pytest.param({"tools": [{"type": "web_search_preview"}]}, "tools", id="tools"),
        pytest.param({"prompt": {"id": "pmpt_123"}}, "prompt", id="prompt"),
        pytest.param({"include": ["message.output_text.logprobs"]}, "include", id="include"),
        pytest.param({"truncation": "auto"}, "truncation", id="truncation"),
        pytest.param(
            {"input": [{"role": "user", "content": [{"type": "input_image", "image_url": "https://x.test/a.png"}]}]},
            "input",
            id="image input",
        ),
        pytest.param(
            {"input": [{"role": "user", "content": [{"type": "input_file", "file_id": "file_123"}]}]},
            "input",
            id="file input",
        ),
    ],
)
def test_what_tgi_cannot_honour_is_refused_before_any_network_call(
    patched: TGIServer, responses: Responses, openai_api: OpenAIStandIn, kwargs: dict[str, Any], param: str
) -> None:
    with pytest.raises(openai.BadRequestError) as raised:
        responses.create(**{"model": LLAMA, "input": "Say hi.", **kwargs})

    assert raised.value.param == param
    assert generate_calls(patched) == []
    assert openai_api.requests == []


def test_openai_models_pass_through_untouched(
    patched: TGIServer, responses: Responses, openai_api: OpenAIStandIn
) -> None:
    responses.create(model="gpt-4o-mini", input="Say hi.", previous_response_id="resp_123")

    [seen] = openai_api.requests
    assert seen.path == "/v1/responses"
    assert seen.json() == {"model": "gpt-4o-mini", "input": "Say hi.", "previous_response_id": "resp_123"}
    assert patched.requests == []

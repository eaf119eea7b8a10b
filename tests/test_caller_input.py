"""Whatever shape a caller gives the structured parameters (tools, tool_choice, response_format, stream_options,
earlier tool calls and results, n), the answer is correct or the SDK's own exception, before any network call
(issue 15, "Bad input from the caller")."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import openai
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import easyllm_shim
from easyllm_shim.testing import TGIServer

from .caller_shapes import BAD_SHAPES, CALL, MESSAGES, WEATHER_TOOL, after_a_call, after_a_result
from .conftest import HF_TOKEN, LLAMA
from .sdk import SDK
from .wire import generate_calls


@pytest.mark.parametrize(("kwargs", "param", "fragment"), BAD_SHAPES)
@pytest.mark.parametrize("stream", [False, True])
def test_a_malformed_parameter_is_a_bad_request_before_any_network_call(
    patched: TGIServer, sdk: SDK, kwargs: dict[str, Any], param: str, fragment: str, stream: bool
) -> None:
    call = {"model": LLAMA, "messages": MESSAGES, **kwargs}
    send = sdk.stream if stream else sdk.create
    with pytest.raises(openai.BadRequestError) as raised:
        send(**call)

    assert fragment in raised.value.message
    assert raised.value.param == param
    assert generate_calls(patched) == []


def test_a_responses_tool_whose_parameters_are_not_an_object_is_a_bad_request(patched: TGIServer, sdk: SDK) -> None:
    tool = {"type": "function", "name": "f", "parameters": "x"}
    with pytest.raises(openai.BadRequestError) as raised:
        sdk.run(
            lambda client: client.responses.create(model=LLAMA, input="hi", tools=[tool]),
            lambda client: client.responses.create(model=LLAMA, input="hi", tools=[tool]),
        )

    assert "parameters" in raised.value.message
    assert generate_calls(patched) == []


def test_a_stream_of_more_choices_than_openai_allows_over_prompts_is_refused(patched: TGIServer, sdk: SDK) -> None:
    def stream(client: Any) -> Any:
        return client.completions.create(model=LLAMA, prompt=["a"] * 9, n=15, stream=True)

    with pytest.raises(openai.BadRequestError) as raised:
        sdk.run(stream, stream)

    assert "135" in raised.value.message
    assert generate_calls(patched) == []


def test_the_choices_of_one_call_are_generated_at_most_sixteen_at_a_time(tgi: TGIServer, sdk: SDK) -> None:
    lock = threading.Lock()
    active, peak = [0], [0]

    def reply(prompt: str, parameters: Any) -> str:
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
        time.sleep(0.02)  # long enough for the next requests to arrive if they were sent at once
        with lock:
            active[0] -= 1
        return "Hi"

    tgi.reply = reply
    easyllm_shim.patch(api_base=tgi.url, token=HF_TOKEN)

    completion = sdk.create(model=LLAMA, messages=MESSAGES, n=40)

    assert len(completion.choices) == 40
    assert 1 < peak[0] <= 16


def test_a_tool_call_cut_by_max_tokens_finishes_with_length(patched: TGIServer, sdk: SDK) -> None:
    call = {"model": LLAMA, "messages": MESSAGES, "tools": [WEATHER_TOOL], "tool_choice": "required", "max_tokens": 3}

    completion = sdk.create(**call)
    chunks = sdk.stream(**call).chunks

    assert completion.choices[0].finish_reason == "length"
    assert completion.choices[0].message.tool_calls is None
    assert chunks[-1].choices[0].finish_reason == "length"


# -- fuzz: any shape of the structured parameters -----------------------------------------------------------------
junk = st.one_of(st.none(), st.booleans(), st.integers(-3, 200), st.text(max_size=8), st.just([1]), st.just({}))
function = st.fixed_dictionaries(
    {"name": st.one_of(st.just("get_weather"), junk)},
    optional={"parameters": st.one_of(st.just(WEATHER_TOOL["function"]["parameters"]), junk), "description": junk},
)
function_tool = st.fixed_dictionaries({"type": st.just("function"), "function": function})
tool = st.one_of(st.just(WEATHER_TOOL), function_tool, junk)
tool_choice = st.one_of(
    st.sampled_from(["auto", "none", "required", "get_weather"]),
    st.fixed_dictionaries({"type": st.just("function"), "function": st.one_of(junk, st.just({"name": "get_weather"}))}),
    junk,
)
tool_call = st.one_of(
    st.just(CALL), st.fixed_dictionaries({"id": junk, "function": st.one_of(junk, st.just(CALL["function"]))}), junk
)
part = st.one_of(st.fixed_dictionaries({"type": st.just("text"), "text": st.one_of(st.text(max_size=8), junk)}), junk)
history = st.one_of(
    st.just(MESSAGES),
    st.builds(after_a_call, st.one_of(st.lists(tool_call, max_size=2), junk)),
    st.builds(after_a_result, st.one_of(st.text(max_size=8), st.lists(part, max_size=2))),
)
parameters = st.fixed_dictionaries(
    {},
    optional={
        "tools": st.one_of(st.lists(tool, max_size=2), junk),
        "tool_choice": tool_choice,
        "response_format": st.one_of(
            st.fixed_dictionaries({"type": st.sampled_from(["text", "json_object", "json_schema", "x"])}),
            st.fixed_dictionaries({"type": st.just("json_schema"), "json_schema": junk}),
            junk,
        ),
        "stream_options": st.one_of(st.fixed_dictionaries({"include_usage": junk}), junk),
        "n": st.integers(-1, 200),
        "max_tokens": st.integers(1, 8),
    },
)


@pytest.fixture(scope="module")
def server() -> Iterator[TGIServer]:
    with TGIServer(reply="Sunny.") as server:
        yield server


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(messages=history, parameters=parameters, stream=st.booleans())
def test_any_shape_of_the_structured_parameters_is_answered_or_an_openai_error(
    server: TGIServer, messages: list[Any], parameters: dict[str, Any], stream: bool
) -> None:
    easyllm_shim.patch(api_base=server.url, token=HF_TOKEN, route_all_clients=True)
    server.clear_requests()
    with openai.OpenAI(api_key="sk-test", base_url="http://127.0.0.1:9/v1", max_retries=0) as client:
        try:
            answer: Any = client.chat.completions.create(model=LLAMA, messages=messages, stream=stream, **parameters)
            choices = [choice for chunk in answer for choice in chunk.choices] if stream else answer.choices
        except openai.BadRequestError:
            assert generate_calls(server) == []  # refused before any network call
            return
        except openai.UnprocessableEntityError:  # TGI's own validation
            return
    reasons = [choice.finish_reason for choice in choices if choice.finish_reason is not None]
    assert len(reasons) == max(parameters.get("n") or 1, 1)
    assert set(reasons) <= {"stop", "length", "tool_calls"}

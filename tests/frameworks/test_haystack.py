"""Haystack's `OpenAIChatGenerator` and `OpenAIResponsesChatGenerator` for a Hub id, routed unmodified."""

from __future__ import annotations

import json
from typing import Any

import pytest
from haystack.components.generators.chat import OpenAIChatGenerator, OpenAIResponsesChatGenerator
from haystack.dataclasses import ChatMessage
from haystack.tools import create_tool_from_function
from haystack.utils import Secret

from easyllm_shim.testing import TGIServer

from ..conftest import LLAMA
from ..openai_standin import OpenAIStandIn
from .conftest import WEATHER_RESULT, City, get_weather, prompts

# The frameworks build openai clients they never close; their sockets' ResourceWarnings are theirs.
pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning", "ignore::pytest.PytestUnraisableExceptionWarning")

KEY = Secret.from_token("sk-framework-test")
GENERATORS = [OpenAIChatGenerator, OpenAIResponsesChatGenerator]


@pytest.mark.parametrize("generator", GENERATORS)
def test_text_and_stream(routed: TGIServer, generator: Any) -> None:
    chunks: list[Any] = []

    assert generator(model=LLAMA, api_key=KEY).run([ChatMessage.from_user("Knock knock.")])["replies"][0].text == (
        "Hello there!"
    )
    streamed = generator(model=LLAMA, api_key=KEY, streaming_callback=chunks.append)
    assert streamed.run([ChatMessage.from_user("Knock knock.")])["replies"][0].text == "Hello there!"
    assert len(chunks) > 1


def test_structured_output(routed: TGIServer) -> None:
    generator = OpenAIChatGenerator(model=LLAMA, api_key=KEY, generation_kwargs={"response_format": City})

    reply = generator.run([ChatMessage.from_user("Paris?")])["replies"][0]

    assert City.model_validate(json.loads(reply.text or ""))


@pytest.mark.parametrize("generator", GENERATORS)
def test_a_tool_call_and_its_result_round_trip(routed: TGIServer, generator: Any) -> None:
    # On the Responses API haystack sends the result as a list of input_text parts (issue 16).
    tool = create_tool_from_function(get_weather)
    question = ChatMessage.from_user("Weather in Paris?")
    forced = generator(model=LLAMA, api_key=KEY, tools=[tool], generation_kwargs={"tool_choice": "required"})
    reply = forced.run([question])["replies"][0]
    [call] = reply.tool_calls
    result = ChatMessage.from_tool(get_weather(**call.arguments), origin=call)

    generator(model=LLAMA, api_key=KEY, tools=[tool]).run([question, reply, result])

    assert call.tool_name == "get_weather"
    assert f"Result of get_weather: {WEATHER_RESULT}" in prompts(routed)[-1]


def test_other_models_pass_through_to_openai(routed: TGIServer, openai_api: OpenAIStandIn) -> None:
    generator = OpenAIChatGenerator(model="gpt-4o-mini", api_key=KEY)

    assert generator.run([ChatMessage.from_user("Hi")])["replies"][0].text == "from openai"
    assert len(openai_api.requests) == 1

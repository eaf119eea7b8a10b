"""LangChain's `ChatOpenAI(model=<Hub id>)`, chat and Responses API, routed unmodified."""

from __future__ import annotations

import pytest
from langchain_core.messages import ToolMessage
from langchain_openai import ChatOpenAI

from easyllm_shim.testing import TGIServer

from ..conftest import LLAMA
from ..openai_standin import OpenAIStandIn
from .conftest import WEATHER_RESULT, City, get_weather, grammar_functions, prompts

# The frameworks build openai clients they never close; their sockets' ResourceWarnings are theirs.
pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning", "ignore::pytest.PytestUnraisableExceptionWarning")


def test_invoke_and_stream(routed: TGIServer) -> None:
    llm = ChatOpenAI(model=LLAMA)

    assert llm.invoke("Knock knock.").content == "Hello there!"
    assert "".join(str(chunk.content) for chunk in llm.stream("Knock knock.")) == "Hello there!"


def test_structured_output_by_schema_and_by_function(routed: TGIServer) -> None:
    llm = ChatOpenAI(model=LLAMA)

    assert isinstance(llm.with_structured_output(City, method="json_schema").invoke("Paris?"), City)
    assert isinstance(llm.with_structured_output(City, method="function_calling").invoke("Paris?"), City)


def test_a_tool_call_and_its_result_round_trip(routed: TGIServer) -> None:
    llm = ChatOpenAI(model=LLAMA).bind_tools([get_weather], tool_choice="required")
    first = llm.invoke("Weather in Paris?")
    [call] = first.tool_calls
    result = ToolMessage(get_weather(**call["args"]), tool_call_id=call["id"])

    ChatOpenAI(model=LLAMA).bind_tools([get_weather]).invoke(["Weather in Paris?", first, result])

    assert call["name"] == "get_weather"
    assert f"Result of get_weather: {WEATHER_RESULT}" in prompts(routed)[-1]


def test_tools_with_a_response_format_are_one_grammar(routed: TGIServer) -> None:
    message = ChatOpenAI(model=LLAMA).bind_tools([get_weather], response_format=City, strict=True).invoke("Paris?")

    assert message.tool_calls[0]["name"] == "get_weather"  # the stand-in's model writes the first choice
    assert grammar_functions(routed) == ["get_weather", "no_tool"]


def test_the_responses_api(routed: TGIServer) -> None:
    llm = ChatOpenAI(model=LLAMA, use_responses_api=True)

    assert llm.invoke("Knock knock.").text == "Hello there!"
    assert "".join(chunk.text for chunk in llm.stream("Knock knock.")) == "Hello there!"


def test_other_models_pass_through_to_openai(routed: TGIServer, openai_api: OpenAIStandIn) -> None:
    assert ChatOpenAI(model="gpt-4o-mini").invoke("Hi").content == "from openai"
    assert len(openai_api.requests) == 1

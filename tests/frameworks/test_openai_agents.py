"""openai-agents: an `Agent` whose model is a Hub id, on the Responses and the Chat Completions model."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import openai
import pytest
from agents import (
    Agent,
    OpenAIChatCompletionsModel,
    OpenAIResponsesModel,
    Runner,
    function_tool,
    set_tracing_disabled,
)

from easyllm_shim.testing import TGIServer

from ..conftest import LLAMA
from .conftest import WEATHER_RESULT, City, get_weather, grammar_functions, prompts

# The frameworks build openai clients they never close; their sockets' ResourceWarnings are theirs.
pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning", "ignore::pytest.PytestUnraisableExceptionWarning")

Run = Callable[[Callable[[Any], Awaitable[Any]]], Any]


@pytest.fixture(params=[OpenAIResponsesModel, OpenAIChatCompletionsModel], ids=["responses", "chat"])
def run(routed: TGIServer, request: pytest.FixtureRequest) -> Run:
    """Runs `agent_of(model)` in one event loop, on a model for the Hub id (the loop's client closed after)."""
    set_tracing_disabled(True)  # traces would be exported to OpenAI

    def run_with(main: Callable[[Any], Awaitable[Any]]) -> Any:
        async def body() -> Any:
            async with openai.AsyncOpenAI() as client:
                return await main(request.param(model=LLAMA, openai_client=client))

        return asyncio.run(body())

    return run_with


def test_text_and_stream(run: Run) -> None:
    async def streamed(model: Any) -> Any:
        result = Runner.run_streamed(Agent(name="a", model=model), "Knock knock.")
        async for _ in result.stream_events():
            pass
        return result.final_output

    assert run(lambda model: Runner.run(Agent(name="a", model=model), "Knock knock.")).final_output == "Hello there!"
    assert run(streamed) == "Hello there!"


def test_an_output_type(run: Run) -> None:
    result = run(lambda model: Runner.run(Agent(name="a", model=model, output_type=City), "Paris?"))

    assert isinstance(result.final_output, City)


def test_a_tool_loop_ends_in_a_text_answer(routed: TGIServer, run: Run) -> None:
    def agent(model: Any) -> Agent[Any]:
        return Agent(name="a", model=model, tools=[function_tool(get_weather)])

    result = run(lambda model: Runner.run(agent(model), "Weather in Paris?"))

    # A call, its result in the next prompt, then the model's answer in text.
    assert result.final_output == "Hello there!"
    calls = [item for item in result.new_items if item.type == "tool_call_output_item"]
    assert len(calls) == 1
    assert calls[0].output.startswith(WEATHER_RESULT)
    first, final = prompts(routed)
    assert WEATHER_RESULT not in first
    assert WEATHER_RESULT in final


def test_tools_with_an_output_type_end_in_the_output_type(routed: TGIServer, run: Run) -> None:
    def agent(model: Any) -> Agent[Any]:
        return Agent(name="a", model=model, tools=[function_tool(get_weather)], output_type=City)

    result = run(lambda model: Runner.run(agent(model), "Paris?"))

    assert isinstance(result.final_output, City)
    assert grammar_functions(routed, 0) == ["get_weather", "no_tool"]  # a call, or an answer as a City
    assert len(prompts(routed)) == 2
    assert WEATHER_RESULT in prompts(routed)[-1]

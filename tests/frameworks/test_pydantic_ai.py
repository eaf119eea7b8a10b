"""pydantic-ai: an `Agent` on `OpenAIChatModel` / `OpenAIResponsesModel` with a Hub id."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import openai
import pytest
from pydantic_ai import Agent, NativeOutput
from pydantic_ai.models.openai import OpenAIChatModel, OpenAIResponsesModel
from pydantic_ai.providers.openai import OpenAIProvider

from easyllm_shim.testing import TGIServer

from ..conftest import LLAMA
from .conftest import WEATHER_RESULT, City, get_weather, grammar_functions, prompts

# The frameworks build openai clients they never close; their sockets' ResourceWarnings are theirs.
pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning", "ignore::pytest.PytestUnraisableExceptionWarning")

Run = Callable[[Callable[[Any], Awaitable[Any]]], Any]


@pytest.fixture(params=[OpenAIChatModel, OpenAIResponsesModel], ids=["chat", "responses"])
def run(routed: TGIServer, request: pytest.FixtureRequest) -> Run:
    """Runs `main(model)` in one event loop, on a model for the Hub id (the loop's client closed after)."""

    def run_with(main: Callable[[Any], Awaitable[Any]]) -> Any:
        async def body() -> Any:
            async with openai.AsyncOpenAI() as client:
                return await main(request.param(LLAMA, provider=OpenAIProvider(openai_client=client)))

        return asyncio.run(body())

    return run_with


def test_text_and_stream(run: Run) -> None:
    async def streamed(model: Any) -> str:
        async with Agent(model).run_stream("Knock knock.") as result:
            return "".join([text async for text in result.stream_text(delta=True)])

    assert run(lambda model: Agent(model).run("Knock knock.")).output == "Hello there!"
    assert run(streamed) == "Hello there!"


@pytest.mark.parametrize("output_type", [City, NativeOutput(City)], ids=["tool output", "native output"])
def test_structured_output(run: Run, output_type: Any) -> None:
    assert isinstance(run(lambda model: Agent(model, output_type=output_type).run("Paris?")).output, City)


def test_a_tool_loop_ends_in_a_text_answer(routed: TGIServer, run: Run) -> None:
    result = run(lambda model: Agent(model, tools=[get_weather]).run("Weather in Paris?"))

    # A call, its result in the next prompt, then the model's answer in text.
    assert result.output == "Hello there!"
    first, final = prompts(routed)
    assert WEATHER_RESULT not in first
    assert WEATHER_RESULT in final


def test_native_output_with_tools_ends_in_the_output_type(routed: TGIServer, run: Run) -> None:
    result = run(lambda model: Agent(model, output_type=NativeOutput(City), tools=[get_weather]).run("Paris?"))

    assert isinstance(result.output, City)
    assert grammar_functions(routed, 0) == ["get_weather", "no_tool"]  # a call, or an answer as a City
    assert len(prompts(routed)) == 2
    assert WEATHER_RESULT in prompts(routed)[-1]

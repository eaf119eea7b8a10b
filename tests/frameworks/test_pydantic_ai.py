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
from .conftest import City

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

"""instructor: `instructor.from_openai(OpenAI())`, its modes routed unmodified."""

from __future__ import annotations

from collections.abc import Iterator

import instructor
import openai
import pytest

from easyllm_shim.testing import TGIServer

from ..conftest import LLAMA
from ..openai_standin import OpenAIStandIn
from .conftest import City, grammar_functions

# The frameworks build openai clients they never close; their sockets' ResourceWarnings are theirs.
pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning", "ignore::pytest.PytestUnraisableExceptionWarning")

QUESTION = [{"role": "user", "content": "Which city is the capital of France?"}]


@pytest.fixture
def client(routed: TGIServer) -> Iterator[openai.OpenAI]:
    with openai.OpenAI() as sdk_client:
        yield sdk_client


@pytest.mark.parametrize("mode", [instructor.Mode.TOOLS, instructor.Mode.JSON_SCHEMA])
def test_a_response_model_comes_back_validated(client: openai.OpenAI, mode: instructor.Mode) -> None:
    city = instructor.from_openai(client, mode=mode).chat.completions.create(
        model=LLAMA, response_model=City, messages=QUESTION
    )

    assert isinstance(city, City)


def test_tools_mode_forces_the_response_model_tool(routed: TGIServer, client: openai.OpenAI) -> None:
    instructor.from_openai(client).chat.completions.create(model=LLAMA, response_model=City, messages=QUESTION)

    assert grammar_functions(routed) == ["City"]


def test_responses_tools_mode_sends_a_schema_with_a_forced_tool(routed: TGIServer, client: openai.OpenAI) -> None:
    patched_client = instructor.from_openai(client, mode=instructor.Mode.RESPONSES_TOOLS)

    city = patched_client.responses.create(
        model=LLAMA, response_model=City, input="Which city is the capital of France?"
    )

    assert isinstance(city, City)
    assert grammar_functions(routed) == ["City"]


def test_partial_streaming_builds_the_model(client: openai.OpenAI) -> None:
    partials = list(
        instructor.from_openai(client).chat.completions.create_partial(
            model=LLAMA, response_model=City, messages=QUESTION
        )
    )

    assert isinstance(City.model_validate(partials[-1].model_dump()), City)


def test_other_models_pass_through_to_openai(client: openai.OpenAI, openai_api: OpenAIStandIn) -> None:
    completion = instructor.from_openai(client).chat.completions.create(
        model="gpt-4o-mini", response_model=None, messages=QUESTION
    )

    assert completion.choices[0].message.content == "from openai"
    assert len(openai_api.requests) == 1

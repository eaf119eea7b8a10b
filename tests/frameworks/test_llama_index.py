"""LlamaIndex's `OpenAILike` pointed at OpenAI's base URL with a Hub id, routed unmodified."""

from __future__ import annotations

import pytest
from llama_index.core.llms import ChatMessage
from llama_index.core.prompts import PromptTemplate
from llama_index.core.tools import FunctionTool
from llama_index.llms.openai_like import OpenAILike

from easyllm_shim.testing import TGIServer

from ..conftest import LLAMA
from ..openai_standin import OpenAIStandIn
from .conftest import City, get_weather

# The frameworks build openai clients they never close; their sockets' ResourceWarnings are theirs.
pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning", "ignore::pytest.PytestUnraisableExceptionWarning")

QUESTION = [ChatMessage(role="user", content="Knock knock.")]


@pytest.fixture
def llm(routed: TGIServer, openai_api: OpenAIStandIn) -> OpenAILike:
    # `api_base` is OpenAI's (here OPENAI_BASE_URL, the OpenAI stand-in): the shim routes the Hub id.
    # Structured prediction and tools need `is_function_calling_model` (else LlamaIndex sends a tool_choice
    # without tools, which OpenAI refuses too).
    return OpenAILike(
        model=LLAMA,
        api_key="sk-framework-test",
        api_base=openai_api.url,
        is_chat_model=True,
        is_function_calling_model=True,
    )


def test_chat_stream_and_complete(llm: OpenAILike, openai_api: OpenAIStandIn) -> None:
    assert llm.chat(QUESTION).message.content == "Hello there!"
    assert "".join(response.delta or "" for response in llm.stream_chat(QUESTION)) == "Hello there!"
    completions = OpenAILike(model=LLAMA, api_key="sk-framework-test", api_base=openai_api.url)
    assert completions.complete("Knock knock.").text.strip() == "Hello there!"
    assert openai_api.requests == []


def test_structured_predict(llm: OpenAILike) -> None:
    assert isinstance(llm.structured_predict(City, PromptTemplate("Which city is the capital of France?")), City)


def test_a_required_tool_call(llm: OpenAILike) -> None:
    tool = FunctionTool.from_defaults(fn=get_weather)

    response = llm.chat_with_tools([tool], user_msg="Weather in Paris?", tool_required=True)

    [selection] = llm.get_tool_calls_from_response(response, error_on_no_tool_call=True)
    assert selection.tool_name == "get_weather"
    assert tool(**selection.tool_kwargs).content.startswith("18 degrees in")


def test_other_models_pass_through_to_openai(openai_api: OpenAIStandIn, routed: TGIServer) -> None:
    llm = OpenAILike(model="gpt-4o-mini", api_key="sk-framework-test", api_base=openai_api.url, is_chat_model=True)

    assert llm.chat(QUESTION).message.content == "from openai"
    assert len(openai_api.requests) == 1

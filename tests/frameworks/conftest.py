"""Agent frameworks built on the openai SDK, unmodified, with the SDK patched (tox env `frameworks`)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

from easyllm_shim.testing import TGIServer

from ..openai_standin import OpenAIStandIn
from ..wire import generate_calls


class City(BaseModel):
    name: str
    population: int


def get_weather(city: str) -> str:
    """Current weather for a city."""
    return f"18 degrees in {city}"


WEATHER_RESULT = "18 degrees in"


@pytest.fixture
def routed(patched: TGIServer, openai_api: OpenAIStandIn, monkeypatch: pytest.MonkeyPatch) -> TGIServer:
    """The patched SDK: Hub ids go to the TGI stand-in, every other model to the OpenAI stand-in."""
    monkeypatch.setenv("OPENAI_API_KEY", "sk-framework-test")
    return patched


def prompts(server: TGIServer) -> list[str]:
    return [call.json()["inputs"] for call in generate_calls(server)]


def grammar_functions(server: TGIServer, index: int = -1) -> list[Any]:
    """The `_name`s the grammar of one generation allows (the tool calls, and `no_tool`)."""
    grammar = generate_calls(server)[index].json()["parameters"]["grammar"]["value"]
    return [option["properties"]["_name"]["const"] for option in grammar["properties"]["function"]["anyOf"]]

"""`.parse()` with a Pydantic model, and tool calls, on a Hugging Face model (TGI grammars underneath)."""

from __future__ import annotations

import json
import os

from _local import tgi_endpoint
from openai import OpenAI
from pydantic import BaseModel

import easyllm_shim

MODEL = "meta-llama/Llama-2-7b-chat-hf"


class City(BaseModel):
    name: str
    country: str
    population: int


with tgi_endpoint():
    easyllm_shim.patch()
    client = OpenAI(api_key=os.environ.get("OPENAI_API_KEY", "unused-for-hugging-face-models"))
    completions = client.chat.completions if hasattr(client.chat.completions, "parse") else client.beta.chat.completions

    parsed = completions.parse(
        model=MODEL, messages=[{"role": "user", "content": "Describe Paris."}], response_format=City
    )
    print(repr(parsed.choices[0].message.parsed))

    weather = {
        "type": "function",
        "function": {
            "name": "get_weather",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
        },
    }
    answer = client.chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": "Weather in Paris?"}],
        tools=[weather],  # type: ignore[list-item]
        tool_choice="required",
    )
    [call] = answer.choices[0].message.tool_calls or []
    print(call.function.name, json.loads(call.function.arguments), answer.choices[0].finish_reason)
    easyllm_shim.unpatch()

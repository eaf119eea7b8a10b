"""openai 0.28: malformed structured parameters are 0.28's InvalidRequestError before any network call, n > 1 is
generated at most sixteen choices at a time, and a tool call cut by max_tokens finishes with "length" (issue 15)."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

import easyllm_shim
from easyllm_shim.testing import TGIServer

from ..caller_shapes import BAD_SHAPES, MESSAGES, WEATHER_TOOL
from ..conftest import HF_TOKEN, LLAMA
from ..wire import generate_calls
from .sdk0 import LegacySDK, openai0


@pytest.mark.parametrize(("kwargs", "param", "fragment"), BAD_SHAPES)
@pytest.mark.parametrize("stream", [False, True])
def test_a_malformed_parameter_is_invalid_request_before_any_network_call(
    patched: TGIServer, legacy: LegacySDK, kwargs: dict[str, Any], param: str, fragment: str, stream: bool
) -> None:
    call = {"model": LLAMA, "messages": MESSAGES, **kwargs}
    send = legacy.stream if stream else legacy.create
    with pytest.raises(openai0.error.InvalidRequestError) as raised:
        send(**call)

    assert fragment in raised.value.user_message
    assert raised.value.param == param
    assert generate_calls(patched) == []


def test_the_choices_of_one_call_are_generated_at_most_sixteen_at_a_time(tgi: TGIServer, legacy: LegacySDK) -> None:
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

    completion = legacy.create(model=LLAMA, messages=MESSAGES, n=40)

    assert len(completion.choices) == 40
    assert 1 < peak[0] <= 16


def test_a_tool_call_cut_by_max_tokens_finishes_with_length(patched: TGIServer, legacy: LegacySDK) -> None:
    call = {"model": LLAMA, "messages": MESSAGES, "tools": [WEATHER_TOOL], "tool_choice": "required", "max_tokens": 3}

    completion = legacy.create(**call)
    chunks = legacy.stream(**call).chunks

    assert completion.choices[0].finish_reason == "length"
    assert "tool_calls" not in completion.choices[0].message
    assert chunks[-1].choices[0].finish_reason == "length"

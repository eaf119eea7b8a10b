"""Failures surface as the openai SDK's own exceptions, before any network call where the input is at fault."""

from __future__ import annotations

import openai
import pytest

import easyllm_shim
from easyllm_shim.testing import TGIServer

from .conftest import HF_TOKEN, LLAMA
from .openai_standin import OpenAIStandIn
from .sdk import SDK
from .wire import generate_calls, refused_url

MESSAGES = [{"role": "user", "content": "Hi"}]


def test_a_refused_connection_raises_api_connection_error(openai_api: OpenAIStandIn, asynchronous: bool) -> None:
    easyllm_shim.patch(api_base=refused_url(), token=HF_TOKEN)
    sdk = SDK(asynchronous, openai_api.url, max_retries=0)

    with pytest.raises(openai.APIConnectionError):
        sdk.create(model=LLAMA, messages=MESSAGES)
    sdk.close()
    assert openai_api.requests == []


@pytest.mark.parametrize(
    ("messages", "fragment"),
    [
        ([], "messages"),
        ([{"role": "assistant", "content": "I speak first"}], "messages[0]"),
        ([{"role": "user", "content": "a"}, {"role": "system", "content": "late"}], "messages[1]"),
        ([{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "http://x"}}]}], "messages[0]"),
    ],
)
def test_bad_messages_raise_bad_request_before_any_network_call(
    patched: TGIServer, sdk: SDK, messages: list[object], fragment: str
) -> None:
    with pytest.raises(openai.BadRequestError) as raised:
        sdk.create(model=LLAMA, messages=messages)

    assert fragment in raised.value.message
    assert raised.value.param == "messages"
    assert patched.requests == []


@pytest.mark.parametrize(
    ("kwargs", "param"),
    [
        ({"logit_bias": {"50256": -100}}, "logit_bias"),
        ({"presence_penalty": 0.5}, "presence_penalty"),
        ({"temperature": 3}, "temperature"),
        ({"extra_body": {"not_a_tgi_parameter": 1}}, "not_a_tgi_parameter"),
    ],
)
def test_parameters_tgi_cannot_honour_are_refused_by_name(
    patched: TGIServer, sdk: SDK, kwargs: dict[str, object], param: str
) -> None:
    with pytest.raises(openai.BadRequestError) as raised:
        sdk.create(model=LLAMA, messages=MESSAGES, **kwargs)

    assert raised.value.param == param
    assert param in raised.value.message
    assert patched.requests == []


def test_tgi_validation_errors_become_unprocessable_entity_with_tgi_message(patched: TGIServer, sdk: SDK) -> None:
    with pytest.raises(openai.UnprocessableEntityError) as raised:
        sdk.create(model=LLAMA, messages=MESSAGES, extra_body={"top_k": 0})

    assert "`top_k` must be strictly positive" in raised.value.message
    assert raised.value.type == "validation"


def test_tgi_validation_errors_in_streams_raise_at_create_like_openai(patched: TGIServer, sdk: SDK) -> None:
    with pytest.raises(openai.UnprocessableEntityError) as raised:
        sdk.stream(model=LLAMA, messages=MESSAGES, extra_body={"top_k": 0})

    assert "`top_k` must be strictly positive" in raised.value.message


def test_overloaded_then_ok_is_retried_by_the_sdk(
    patched: TGIServer, asynchronous: bool, openai_api: OpenAIStandIn
) -> None:
    overloaded = {"error": "Model is overloaded", "error_type": "overloaded"}
    patched.fail_next(429, overloaded, headers={"retry-after-ms": "10"})
    sdk = SDK(asynchronous, openai_api.url, max_retries=1)

    assert sdk.create(model=LLAMA, messages=MESSAGES).choices[0].message.content == "Hello there!"
    sdk.close()
    assert len(generate_calls(patched)) == 2


def test_retries_are_limited_by_the_callers_max_retries(
    patched: TGIServer, asynchronous: bool, openai_api: OpenAIStandIn
) -> None:
    patched.fail_next(503, {"error": "busy"}, headers={"retry-after-ms": "10"}, times=5)
    sdk = SDK(asynchronous, openai_api.url, max_retries=2)

    with pytest.raises(openai.InternalServerError):
        sdk.create(model=LLAMA, messages=MESSAGES)
    sdk.close()
    assert len(generate_calls(patched)) == 3


def test_a_stalled_server_raises_api_timeout_error_with_the_callers_timeout(
    patched: TGIServer, asynchronous: bool, openai_api: OpenAIStandIn
) -> None:
    patched.stall_next(2.0)
    sdk = SDK(asynchronous, openai_api.url, max_retries=0, timeout=0.3)

    with pytest.raises(openai.APITimeoutError):
        sdk.create(model=LLAMA, messages=MESSAGES)
    sdk.close()


def test_a_stream_cut_mid_way_raises_instead_of_truncating(patched: TGIServer, sdk: SDK) -> None:
    patched.cut_next_stream(after_events=2)

    with pytest.raises(openai.APIConnectionError, match="mid-stream"):
        sdk.stream(model=LLAMA, messages=MESSAGES)


def test_a_stream_that_ends_without_tgis_final_event_raises(patched: TGIServer, sdk: SDK) -> None:
    patched.error_next_stream(after_events=1, message="Incomplete generation", error_type="incomplete_generation")

    with pytest.raises(openai.APIError, match="Incomplete generation"):
        sdk.stream(model=LLAMA, messages=MESSAGES)


def test_an_error_event_mid_stream_raises_during_iteration(patched: TGIServer, sdk: SDK) -> None:
    patched.error_next_stream(after_events=2)

    with pytest.raises(openai.APIError, match="CUDA out of memory"):
        sdk.stream(model=LLAMA, messages=MESSAGES)

"""Failures raise the `openai.error` exceptions 0.28 raises for the same HTTP status, before any network call
where the input is at fault; a stream never ends silently truncated."""

from __future__ import annotations

from typing import Any

import pytest

import easyllm_shim
from easyllm_shim.testing import TGIServer

from ..conftest import HF_TOKEN, LLAMA
from ..openai_standin import OpenAIStandIn
from ..wire import generate_calls, refused_url
from .sdk0 import LegacySDK, openai0

MESSAGES = [{"role": "user", "content": "Hi"}]


def error(name: str) -> Any:
    return getattr(openai0.error, name)


def test_a_refused_connection_raises_api_connection_error(openai_api: OpenAIStandIn, legacy: LegacySDK) -> None:
    easyllm_shim.patch(api_base=refused_url(), token=HF_TOKEN)

    with pytest.raises(error("APIConnectionError")):
        legacy.create(model=LLAMA, messages=MESSAGES)
    with pytest.raises(error("APIConnectionError")):
        legacy.stream(model=LLAMA, messages=MESSAGES)
    assert openai_api.requests == []


@pytest.mark.parametrize("stream", [False, True])
def test_a_stalled_server_raises_timeout_after_request_timeout(
    patched: TGIServer, legacy: LegacySDK, stream: bool
) -> None:
    patched.stall_next(2.0)

    with pytest.raises(error("Timeout")):
        legacy.create(model=LLAMA, messages=MESSAGES, stream=stream, request_timeout=0.3)


@pytest.mark.parametrize(
    ("messages", "fragment"),
    [
        ([], "messages"),
        ([{"role": "assistant", "content": "I speak first"}], "messages[0]"),
        ([{"role": "user", "content": "a"}, {"role": "system", "content": "late"}], "messages[1]"),
    ],
)
@pytest.mark.parametrize("stream", [False, True])
def test_bad_messages_raise_invalid_request_before_any_network_call(
    patched: TGIServer, legacy: LegacySDK, messages: list[object], fragment: str, stream: bool
) -> None:
    with pytest.raises(error("InvalidRequestError")) as raised:
        legacy.create(model=LLAMA, messages=messages, stream=stream)

    assert fragment in raised.value.user_message
    assert raised.value.param == "messages"
    assert raised.value.http_status == 400
    assert patched.requests == []


@pytest.mark.parametrize(
    ("kwargs", "param"),
    [
        ({"logit_bias": {"50256": -100}}, "logit_bias"),
        ({"functions": [{"name": "f", "parameters": {"type": "object"}}]}, "functions"),
        ({"temperature": 3}, "temperature"),
        ({"not_a_tgi_parameter": 1}, "not_a_tgi_parameter"),
    ],
)
def test_parameters_tgi_cannot_honour_are_refused_by_name(
    patched: TGIServer, legacy: LegacySDK, kwargs: dict[str, object], param: str
) -> None:
    with pytest.raises(error("InvalidRequestError")) as raised:
        legacy.create(model=LLAMA, messages=MESSAGES, **kwargs)

    assert raised.value.param == param
    assert param in raised.value.user_message
    assert patched.requests == []


@pytest.mark.parametrize("stream", [False, True])
def test_tgi_validation_errors_raise_invalid_request_with_tgi_message(
    patched: TGIServer, legacy: LegacySDK, stream: bool
) -> None:
    # TGI reports this inside its 200 event stream; like OpenAI's HTTP error, it raises at create().
    with pytest.raises(error("InvalidRequestError")) as raised:
        legacy.create(model=LLAMA, messages=MESSAGES, top_k=0, stream=stream)

    assert "`top_k` must be strictly positive" in raised.value.user_message
    assert raised.value.error.type == "validation"
    assert raised.value.http_status == 422


# 0.28's own table (api_requestor.handle_error_response); 422 is classified as 400 (docs/legacy.md).
STATUS_ERRORS = [
    (400, "InvalidRequestError"),
    (401, "AuthenticationError"),
    (403, "PermissionError"),
    (404, "InvalidRequestError"),
    (422, "InvalidRequestError"),
    (424, "APIError"),
    (429, "RateLimitError"),
    (500, "APIError"),
    (502, "APIError"),
    (503, "ServiceUnavailableError"),
]


@pytest.mark.parametrize(("status", "name"), STATUS_ERRORS)
@pytest.mark.parametrize("stream", [False, True])
def test_tgi_http_errors_raise_what_0_28_raises_for_the_status(
    patched: TGIServer, legacy: LegacySDK, status: int, name: str, stream: bool
) -> None:
    patched.fail_next(status, {"error": "Model is overloaded", "error_type": "overloaded"})

    with pytest.raises(error(name)) as raised:
        legacy.create(model=LLAMA, messages=MESSAGES, stream=stream)

    assert type(raised.value) is error(name)
    assert raised.value.http_status == status
    assert len(generate_calls(patched)) == 1  # 0.28 retries none of these


def test_rate_limit_error_keeps_tgis_message_and_retry_after(patched: TGIServer, legacy: LegacySDK) -> None:
    patched.fail_next(429, {"error": "Model is overloaded", "error_type": "overloaded"}, headers={"retry-after": "3"})

    with pytest.raises(error("RateLimitError")) as raised:
        legacy.create(model=LLAMA, messages=MESSAGES)

    assert raised.value.user_message == "Model is overloaded"
    assert raised.value.headers["retry-after"] == "3"


def test_try_again_is_retried_as_chat_completion_retries_it(patched: TGIServer, legacy: LegacySDK) -> None:
    patched.fail_next(409, {"error": "Model is warming up"}, times=2)

    assert legacy.create(model=LLAMA, messages=MESSAGES).choices[0].message.content == "Hello there!"
    assert len(generate_calls(patched)) == 3


def test_try_again_stops_after_chat_completions_timeout(patched: TGIServer, legacy: LegacySDK) -> None:
    patched.fail_next(409, {"error": "Model is warming up"}, times=5)

    with pytest.raises(error("TryAgain")):
        legacy.create(model=LLAMA, messages=MESSAGES, timeout=0)
    assert len(generate_calls(patched)) == 1


def test_a_stream_cut_mid_way_raises_instead_of_truncating(patched: TGIServer, legacy: LegacySDK) -> None:
    patched.cut_next_stream(after_events=2)

    streamed = legacy.stream_until_error(model=LLAMA, messages=MESSAGES)

    assert isinstance(streamed.error, error("APIConnectionError"))
    assert streamed.chunks  # the tokens before the cut were delivered first
    assert "Hello there!".startswith(streamed.content)


def test_a_stream_that_ends_without_tgis_final_event_raises(patched: TGIServer, legacy: LegacySDK) -> None:
    patched.error_next_stream(after_events=1, message="Incomplete generation", error_type="incomplete_generation")

    with pytest.raises(error("APIError"), match="Incomplete generation"):
        legacy.stream(model=LLAMA, messages=MESSAGES)


def test_an_error_event_mid_stream_raises_during_iteration(patched: TGIServer, legacy: LegacySDK) -> None:
    patched.error_next_stream(after_events=2)

    streamed = legacy.stream_until_error(model=LLAMA, messages=MESSAGES)

    assert type(streamed.error) is error("APIError")
    assert "CUDA out of memory" in str(streamed.error)
    assert "(Error occurred while streaming.)" in str(streamed.error)  # 0.28's own wording
    assert streamed.chunks


def test_an_unreadable_tgi_answer_raises_api_error(patched: TGIServer, legacy: LegacySDK) -> None:
    patched.fail_next(200, b"{not json", headers={"content-type": "application/json"}, path="/generate")

    with pytest.raises(error("APIError"), match="a body the shim cannot read"):
        legacy.create(model=LLAMA, messages=MESSAGES)


def test_an_unreadable_stream_event_raises_api_error(patched: TGIServer, legacy: LegacySDK) -> None:
    patched.malformed_next_stream(after_events=2)

    # At create() or while iterating, depending on whether it arrives in the same read as the first token.
    with pytest.raises(error("APIError"), match="malformed stream event"):
        legacy.stream(model=LLAMA, messages=MESSAGES)

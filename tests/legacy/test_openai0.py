"""OpenAI-format answers become 0.28's objects and exceptions, built by 0.28's own code."""

from __future__ import annotations

import json
from typing import Any

import pytest

from easyllm_shim._module_api.objects import Shaper, response_headers
from easyllm_shim._upstream.steps import Reply

from .sdk0 import openai0

SHAPER = Shaper(api_key="sk-k", api_version=None, organization=None, engine=None)
JSON = [(b"content-type", b"application/json")]
COMPLETION = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "created": 1700000000,
    "model": "m/x",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hi"}, "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4},
}


def error_body(message: str, type_: str = "tgi_error", param: str | None = None) -> bytes:
    return json.dumps({"error": {"message": message, "type": type_, "param": param, "code": None}}).encode()


def test_a_completion_is_the_object_tree_0_28_builds() -> None:
    completion = SHAPER.completion(Reply(200, JSON, json.dumps(COMPLETION).encode()))

    assert type(completion) is openai0.openai_object.OpenAIObject
    assert completion.to_dict_recursive() == COMPLETION
    assert completion.api_key == "sk-k"


def test_tgis_total_time_is_the_objects_response_ms() -> None:
    completion = SHAPER.completion(Reply(200, [*JSON, (b"x-total-time", b"42")], json.dumps(COMPLETION).encode()))

    assert completion.response_ms == 42


def test_headers_are_read_case_insensitively_and_an_openai_processing_time_wins() -> None:
    headers = response_headers([(b"X-Total-Time", b"42"), (b"OpenAI-Processing-Ms", b"7")])

    assert headers["x-total-time"] == "42"
    assert headers["openai-processing-ms"] == "7"


@pytest.mark.parametrize(
    ("status", "name"),
    [
        (400, "InvalidRequestError"),
        (401, "AuthenticationError"),
        (403, "PermissionError"),
        (404, "InvalidRequestError"),
        (409, "TryAgain"),
        (415, "InvalidRequestError"),
        (422, "InvalidRequestError"),  # 0.28 says APIError; TGI's 422 means what OpenAI's 400 did
        (424, "APIError"),
        (429, "RateLimitError"),
        (500, "APIError"),
        (503, "ServiceUnavailableError"),
    ],
)
def test_error_statuses_raise_0_28s_exception_for_them(status: int, name: str) -> None:
    with pytest.raises(openai0.error.OpenAIError) as raised:
        SHAPER.completion(Reply(status, JSON, error_body("went wrong", param="p")))

    assert type(raised.value) is getattr(openai0.error, name)
    assert raised.value.http_status == status


def test_invalid_request_keeps_message_param_and_type() -> None:
    with pytest.raises(openai0.error.InvalidRequestError) as raised:
        SHAPER.completion(Reply(422, JSON, error_body("Input validation error: bad", "validation", "top_k")))

    assert raised.value.user_message == "Input validation error: bad"
    assert raised.value.param == "top_k"
    assert raised.value.error.type == "validation"


def test_a_chunk_frame_becomes_an_object_and_an_error_frame_raises_as_mid_stream() -> None:
    chunk: dict[str, Any] = {"id": "c", "object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {}}]}
    headers = response_headers([(b"content-type", b"text/event-stream")])

    assert SHAPER.chunk(json.dumps(chunk).encode(), headers).to_dict_recursive() == chunk
    with pytest.raises(openai0.error.APIError, match=r"boom \(Error occurred while streaming.\)"):
        SHAPER.chunk(error_body("boom"), headers)

from __future__ import annotations

import json
from typing import Any

import pytest

from easyllm_shim._translate.errors import STREAM_ERROR_STATUS, upstream_error


def reshape(status: int, content: bytes) -> tuple[dict[str, Any], dict[str, str]]:
    body, headers = upstream_error(status, content)
    parsed: dict[str, Any] = json.loads(body)
    return parsed["error"], headers


def test_tgi_json_errors_become_openai_errors_keeping_message_and_type() -> None:
    tgi = {"error": "Input validation error: `temperature` must be strictly positive", "error_type": "validation"}
    error, headers = reshape(422, json.dumps(tgi).encode())
    assert error == {"message": tgi["error"], "type": "validation", "param": None, "code": None}
    assert headers == {}


def test_serverless_loading_keeps_estimated_time_and_asks_the_sdk_to_wait_for_it() -> None:
    body = b'{"error":"Model meta-llama/Llama-2-7b-chat-hf is currently loading","estimated_time":44.49}'
    error, headers = reshape(503, body)
    assert error["message"] == "Model meta-llama/Llama-2-7b-chat-hf is currently loading"
    assert error["estimated_time"] == 44.49
    assert headers == {"retry-after": "45"}


@pytest.mark.parametrize(
    ("status", "content", "message"),
    [
        pytest.param(
            422,
            b"Failed to deserialize the JSON body into the target type: inputs: invalid type",
            "Failed to deserialize the JSON body into the target type: inputs: invalid type",
            id="axum text/plain rejection",
        ),
        pytest.param(502, b"<html>Bad Gateway</html>", "<html>Bad Gateway</html>", id="proxy html"),
        pytest.param(
            401,
            b"",
            "the Hugging Face endpoint rejected the credentials (401 with an empty body); check HF_TOKEN",
            id="--api-key mismatch has an empty body",
        ),
        pytest.param(418, b"", "the Hugging Face endpoint answered HTTP 418", id="anything else empty"),
    ],
)
def test_non_json_bodies_never_break_the_error_path_and_lose_nothing(status: int, content: bytes, message: str) -> None:
    error, _ = reshape(status, content)
    assert error["message"] == message
    assert error["type"] == "tgi_error"


def test_openai_style_error_objects_from_tgi_v1_routes_are_understood() -> None:
    error, _ = reshape(422, b'{"error":{"message":"Input validation error: x","http_status_code":422}}')
    assert error["message"] == "Input validation error: x"


@pytest.mark.parametrize(
    ("error_type", "status"),
    [("validation", 422), ("overloaded", 429), ("generation", 424), ("incomplete_generation", 500)],
)
def test_first_event_stream_errors_get_the_status_tgi_gives_them_on_generate(error_type: str, status: int) -> None:
    assert STREAM_ERROR_STATUS[error_type] == status

"""Routing and middleware as TGI's axum router applies them: auth, 404/405 and the JSON extractor."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx2 as httpx
import pytest

from easyllm_shim.testing import TGIServer
from easyllm_shim.testing.tgi._app import is_json_content_type

GENERATE = {"inputs": "Hello", "parameters": {"max_new_tokens": 2}}
TEXT = "text/plain; charset=utf-8"


@pytest.fixture
def guarded(tgi_server_factory: Any) -> Iterator[httpx.Client]:
    server: TGIServer = tgi_server_factory(api_key="s3cret")
    with httpx.Client(base_url=server.url) as client:
        yield client


@pytest.mark.parametrize("route", ["/generate", "/generate_stream", "/", "/v1/chat/completions", "/tokenize"])
@pytest.mark.parametrize("authorization", [None, "Bearer wrong", "s3cret", "Bearer  s3cret", "Token s3cret"])
def test_base_routes_need_the_key(guarded: httpx.Client, route: str, authorization: str | None) -> None:
    headers = {"authorization": authorization} if authorization is not None else {}
    response = guarded.post(route, json=GENERATE, headers=headers)
    assert (response.status_code, response.content) == (401, b"")


@pytest.mark.parametrize("authorization", ["Bearer s3cret", "bearer S3CRET", "BEARER s3cret"])
def test_the_key_is_compared_case_insensitively(guarded: httpx.Client, authorization: str) -> None:
    assert guarded.post("/generate", json=GENERATE, headers={"authorization": authorization}).status_code == 200


@pytest.mark.parametrize("route", ["/info", "/health", "/", "/v1/models"])
def test_info_routes_stay_open(guarded: httpx.Client, route: str) -> None:
    assert guarded.get(route).status_code == 200


def test_auth_comes_before_body_checks(guarded: httpx.Client) -> None:
    assert guarded.post("/generate", content=b"not json").status_code == 401


def test_unknown_routes_are_404_even_with_a_key(guarded: httpx.Client) -> None:
    response = guarded.post("/v1/embeddings", json={})
    assert (response.status_code, response.content) == (404, b"")


def test_wrong_method_is_405(shared_client: httpx.Client) -> None:
    response = shared_client.get("/generate")
    assert (response.status_code, response.headers["allow"], response.content) == (405, "POST", b"")
    assert shared_client.put("/").headers["allow"] == "GET,HEAD,POST"
    assert shared_client.post("/info", json={}).headers["allow"] == "GET,HEAD"


def test_head_is_answered_like_get_without_a_body(shared_client: httpx.Client) -> None:
    response = shared_client.head("/info")
    assert response.status_code == 200
    assert int(response.headers["content-length"]) > 0
    assert response.content == b""


@pytest.mark.parametrize(
    "content_type", [None, "text/plain", "text/json", "application/x-www-form-urlencoded", "application/"]
)
def test_bodies_must_be_declared_json(shared_client: httpx.Client, content_type: str | None) -> None:
    headers = {"content-type": content_type} if content_type else {}
    response = shared_client.post("/generate", content=b'{"inputs":"x"}', headers=headers)
    assert response.status_code == 415
    assert response.headers["content-type"] == TEXT
    assert response.text == "Expected request with `Content-Type: application/json`"


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "application/json; charset=utf-8",
        "application/json;charset=utf-8",
        "application/vnd.api+json",
        "Application/JSON",
    ],
)
def test_json_content_types(content_type: str) -> None:
    assert is_json_content_type(content_type)


def test_bodies_over_the_payload_limit_are_413(shared_client: httpx.Client) -> None:
    body = b'{"inputs":"' + b"a" * 2_000_000 + b'"}'
    response = shared_client.post("/generate", content=body, headers={"content-type": "application/json"})
    assert (response.status_code, response.headers["content-type"]) == (413, TEXT)
    assert response.text == "Failed to buffer the request body: length limit exceeded"


def test_a_body_at_the_payload_limit_is_read(shared_client: httpx.Client) -> None:
    body = b'{"inputs":' + b" " * (2_000_000 - 15) + b'"x"}'
    assert len(body) == 2_000_000 - 1
    response = shared_client.post("/tokenize", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 200


def test_syntax_errors_are_400_text(shared_client: httpx.Client) -> None:
    response = shared_client.post("/generate", content=b'{"inputs":', headers={"content-type": "application/json"})
    assert (response.status_code, response.headers["content-type"]) == (400, TEXT)
    assert (
        response.text
        == "Failed to parse the request body as JSON: inputs: EOF while parsing a value at line 1 column 10"
    )


@pytest.mark.parametrize("route", ["/generate", "/generate_stream", "/", "/tokenize"])
def test_type_errors_are_422_text(shared_client: httpx.Client, route: str) -> None:
    body = b'{"inputs": "x", "parameters": {"stop": "END"}}'
    response = shared_client.post(route, content=body, headers={"content-type": "application/json"})
    assert (response.status_code, response.headers["content-type"]) == (422, TEXT)
    assert response.text == (
        "Failed to deserialize the JSON body into the target type: "
        'parameters.stop: invalid type: string "END", expected a sequence at line 1 column 44'
    )


def test_missing_inputs(shared_client: httpx.Client) -> None:
    response = shared_client.post(
        "/generate", content=b'{"parameters":{}}', headers={"content-type": "application/json"}
    )
    assert (
        response.text
        == "Failed to deserialize the JSON body into the target type: missing field `inputs` at line 1 column 17"
    )


def test_a_failing_reply_callable_is_a_500_that_says_so(tgi_server: TGIServer, client: httpx.Client) -> None:
    def reply(prompt: str, parameters: dict[str, Any]) -> str:
        raise RuntimeError("boom")

    tgi_server.reply = reply
    response = client.post("/generate", json=GENERATE)
    assert response.status_code == 500
    assert "RuntimeError('boom')" in response.text

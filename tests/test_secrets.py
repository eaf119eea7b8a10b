"""Credentials on the call path (issue 15, "Secrets"): a URL's userinfo is sent as Basic auth, never dropped;
no routed request follows a redirect; DEBUG logs show URLs without credentials and no prompt unless asked."""

from __future__ import annotations

import base64
import contextlib
import logging

import openai
import pytest

import easyllm_shim
from easyllm_shim._config.redact import without_credentials
from easyllm_shim.testing import TGIServer

from .conftest import HF_TOKEN, LLAMA
from .sdk import SDK
from .wire import generate_calls

MESSAGES = [{"role": "user", "content": "a secret prompt"}]


def with_userinfo(url: str, userinfo: str = "tgi-user:p%40ss") -> str:
    return url.replace("http://", f"http://{userinfo}@")


def test_a_url_with_userinfo_sends_it_as_basic_auth_in_place_of_the_token(tgi: TGIServer, sdk: SDK) -> None:
    easyllm_shim.patch(api_base=with_userinfo(tgi.url), token=HF_TOKEN)

    sdk.create(model=LLAMA, messages=MESSAGES)
    sdk.stream(model=LLAMA, messages=MESSAGES)

    expected = "Basic " + base64.b64encode(b"tgi-user:p@ss").decode()
    assert [request.headers["authorization"] for request in generate_calls(tgi)] == [expected, expected]


@pytest.mark.parametrize("stream", [False, True])
def test_a_redirect_is_not_followed_to_another_host(tgi: TGIServer, sdk: SDK, stream: bool) -> None:
    with TGIServer() as elsewhere:
        path = "/generate_stream" if stream else "/generate"
        tgi.fail_next(307, headers={"location": elsewhere.url + path}, path=path)
        easyllm_shim.patch(api_base=tgi.url, token=HF_TOKEN)
        send = sdk.stream if stream else sdk.create

        # What a 3xx becomes is the SDK's error (the "Hostile or broken servers"); here: where it goes.
        with contextlib.suppress(openai.OpenAIError):
            send(model=LLAMA, messages=MESSAGES)

        assert elsewhere.requests == []


def test_debug_logs_name_the_endpoint_without_credentials_and_not_the_prompt(
    tgi: TGIServer, sdk: SDK, caplog: pytest.LogCaptureFixture
) -> None:
    easyllm_shim.patch(api_base=with_userinfo(tgi.url), token=HF_TOKEN)

    with caplog.at_level(logging.DEBUG):
        sdk.create(model=LLAMA, messages=MESSAGES)

    assert f"routing /chat/completions {LLAMA} to http://" in caplog.text
    for secret in ("tgi-user", "p%40ss", HF_TOKEN, "a secret prompt"):
        assert secret not in caplog.text


def test_the_prompt_is_logged_where_the_caller_asked_for_it(
    patched: TGIServer, sdk: SDK, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG, logger="easyllm_shim.prompts"):
        sdk.create(model=LLAMA, messages=MESSAGES)

    assert "a secret prompt" in caplog.text


@pytest.mark.parametrize(
    ("shown", "expected"),
    [
        ("https://user:pw@tgi.internal:8080/v1", "https://***@tgi.internal:8080/v1"),
        ("http://127.0.0.1:9/v1?api_key=sk-abc&x=1", "http://127.0.0.1:9/v1?api_key=***&x=1"),
        (
            "https://x.openai.azure.com/?api-version=1&api-key=k",
            "https://x.openai.azure.com/?api-version=1&api-key=***",
        ),
        ("ConnectError: http://a:b@h/generate failed", "ConnectError: http://***@h/generate failed"),
        ("https://router.huggingface.co/v1", "https://router.huggingface.co/v1"),
    ],
)
def test_urls_are_shown_without_their_credentials(shown: str, expected: str) -> None:
    assert without_credentials(shown) == expected

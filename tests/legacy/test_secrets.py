"""openai 0.28's path, as the openai >= 1 path (issue 15, "Secrets"): no redirect is followed (requests and
aiohttp re-POSTed the prompt to the other host), and a URL's userinfo is sent as Basic auth."""

from __future__ import annotations

import base64
import contextlib

import pytest

import easyllm_shim
from easyllm_shim.testing import TGIServer

from ..conftest import HF_TOKEN, LLAMA
from ..wire import generate_calls
from .sdk0 import LegacySDK, openai0

MESSAGES = [{"role": "user", "content": "a secret prompt"}]


@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize("status", [302, 307])
def test_a_redirect_is_not_followed_to_another_host(
    tgi: TGIServer, legacy: LegacySDK, stream: bool, status: int
) -> None:
    with TGIServer() as elsewhere:
        path = "/generate_stream" if stream else "/generate"
        tgi.fail_next(status, headers={"location": elsewhere.url + path}, path=path)
        easyllm_shim.patch(api_base=tgi.url, token=HF_TOKEN)
        send = legacy.stream if stream else legacy.create

        # What a 3xx becomes is 0.28's error (the issue's "Hostile or broken servers"); here: where it goes.
        with contextlib.suppress(openai0.error.OpenAIError):
            send(model=LLAMA, messages=MESSAGES)

        assert elsewhere.requests == []


def test_a_url_with_userinfo_sends_it_as_basic_auth_in_place_of_the_token(tgi: TGIServer, legacy: LegacySDK) -> None:
    easyllm_shim.patch(api_base=tgi.url.replace("http://", "http://tgi-user:p%40ss@"), token=HF_TOKEN)

    legacy.create(model=LLAMA, messages=MESSAGES)
    legacy.stream(model=LLAMA, messages=MESSAGES)

    expected = "Basic " + base64.b64encode(b"tgi-user:p@ss").decode()
    assert [request.headers["authorization"] for request in generate_calls(tgi)] == [expected, expected]

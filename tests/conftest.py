from __future__ import annotations

import importlib.util
from collections.abc import Iterator

import pytest
from hypothesis import settings

import easyllm_shim
from easyllm_shim.testing import TGIServer

from .openai_standin import OpenAIStandIn
from .sdk import SDK

# No wall-clock deadline on any property test: the suite runs on busy shared machines (issue 15, "CI").
settings.register_profile("easyllm-shim", deadline=None)
settings.load_profile("easyllm-shim")
# tests/frameworks drives agent frameworks, which only tox's `frameworks` env installs.
collect_ignore = [] if importlib.util.find_spec("instructor") else ["frameworks"]

HF_TOKEN = "hf_test_token_never_for_openai"
LLAMA = "meta-llama/Llama-2-7b-chat-hf"


@pytest.fixture(autouse=True)
def isolated_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in (
        "HUGGINGFACE_TOKEN",
        "HF_TOKEN",
        "HUGGINGFACE_API_BASE",
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
        "OPENAI_API_BASE",
    ):
        monkeypatch.delenv(name, raising=False)
    yield
    easyllm_shim.unpatch()


@pytest.fixture(params=["sync", "async"])
def asynchronous(request: pytest.FixtureRequest) -> bool:
    return bool(request.param == "async")


@pytest.fixture
def tgi(tgi_server: TGIServer) -> TGIServer:
    tgi_server.reply = "Hello there!"
    return tgi_server


@pytest.fixture
def openai_api(monkeypatch: pytest.MonkeyPatch) -> Iterator[OpenAIStandIn]:
    """OpenAI, for the tests: the process's OpenAI base URL, as OPENAI_BASE_URL (0.28: OPENAI_API_BASE) says."""
    with OpenAIStandIn() as standin:
        monkeypatch.setenv("OPENAI_BASE_URL", standin.url)
        monkeypatch.setenv("OPENAI_API_BASE", standin.url)
        yield standin


@pytest.fixture
def patched(tgi: TGIServer) -> TGIServer:
    easyllm_shim.patch(api_base=tgi.url, token=HF_TOKEN)
    return tgi


@pytest.fixture
def sdk(asynchronous: bool, openai_api: OpenAIStandIn) -> Iterator[SDK]:
    client = SDK(asynchronous, openai_api.url)
    yield client
    client.close()

"""On openai 0.28 too, the OpenAI key never reaches a Hugging Face endpoint and the HF token never reaches OpenAI."""

from __future__ import annotations

import asyncio
import importlib
import threading
from typing import Any

import pytest

from easyllm_shim.testing import TGIServer

from ..conftest import HF_TOKEN, LLAMA
from ..openai_standin import OpenAIStandIn
from ..wire import assert_only_hugging_face_headers_forwarded, every_header_value, generate_calls
from .sdk0 import OPENAI_KEY, LegacySDK, openai0

# openai 0.28's own transports; `Any` because the lint env (openai >= 1) has no aiohttp.
aiohttp: Any = importlib.import_module("aiohttp")
requests: Any = importlib.import_module("requests")

MESSAGES = [{"role": "user", "content": "Hi"}]


def test_each_side_sees_only_its_own_credential(
    patched: TGIServer, openai_api: OpenAIStandIn, legacy: LegacySDK
) -> None:
    legacy.create(model=LLAMA, messages=MESSAGES)
    legacy.stream(model=LLAMA, messages=MESSAGES)
    legacy.create(model=LLAMA, messages=MESSAGES, api_key="sk-explicit-key", headers={"x-openai-secret": "s3"})
    legacy.create(model="gpt-3.5-turbo", messages=MESSAGES)
    legacy.stream(model="gpt-3.5-turbo", messages=MESSAGES)

    tgi_headers = every_header_value(patched.requests)
    openai_headers = every_header_value(openai_api.requests)
    assert every_header_value(generate_calls(patched)).count(f"authorization: Bearer {HF_TOKEN}") == 3
    for secret in (OPENAI_KEY, "sk-explicit-key", "s3"):
        assert secret not in tgi_headers
        assert all(secret.encode() not in r.body for r in patched.requests)
    assert openai_headers.count(f"authorization: Bearer {OPENAI_KEY}") == 2
    assert HF_TOKEN not in openai_headers
    assert all(HF_TOKEN.encode() not in r.body for r in openai_api.requests)


def test_hugging_face_headers_among_the_callers_reach_tgi(patched: TGIServer, legacy: LegacySDK) -> None:
    headers = {"X-Wait-For-Model": "true", "x-use-cache": "false", "x-openai-secret": "s3"}
    legacy.create(model=LLAMA, messages=MESSAGES, headers=headers)
    legacy.stream(model=LLAMA, messages=MESSAGES, headers=headers)

    assert len(generate_calls(patched)) == 2
    forwarded = {"x-wait-for-model": "true", "x-use-cache": "false", "authorization": f"Bearer {HF_TOKEN}"}
    assert_only_hugging_face_headers_forwarded(patched, forwarded, ["x-openai-secret"], "s3")


def test_callers_openai_sessions_and_their_credentials_are_not_used_for_tgi(
    patched: TGIServer, openai_api: OpenAIStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(openai0, "api_key", OPENAI_KEY)
    monkeypatch.setattr(openai0, "api_base", openai_api.url)
    # Sessions set up for OpenAI, with its key as a default header (the 0.28 way to share one).
    session = requests.Session()
    session.headers["x-openai-session-key"] = OPENAI_KEY
    monkeypatch.setattr(openai0, "requestssession", session)
    monkeypatch.setattr(openai0.api_requestor, "_thread_context", threading.local())  # 0.28 caches its session

    async def acreate(model: str) -> Any:
        async with aiohttp.ClientSession(headers={"x-openai-session-key": OPENAI_KEY}) as aiosession:
            openai0.aiosession.set(aiosession)
            return await openai0.ChatCompletion.acreate(model=model, messages=MESSAGES)

    with session:
        for model in (LLAMA, "gpt-3.5-turbo"):
            openai0.ChatCompletion.create(model=model, messages=MESSAGES)
            asyncio.run(acreate(model))

    assert OPENAI_KEY not in every_header_value(patched.requests)
    assert every_header_value(openai_api.requests).count(f"x-openai-session-key: {OPENAI_KEY}") == 2

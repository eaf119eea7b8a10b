"""`patch()` on openai 0.28 wraps `create` / `acreate` of `ChatCompletion`, `Completion` and `Embedding`; calls for
other models pass through untouched."""

from __future__ import annotations

from typing import Any

import pytest

import easyllm_shim
from easyllm_shim.testing import TGIServer

from ..conftest import HF_TOKEN, LLAMA
from ..openai_standin import OpenAIStandIn
from ..wire import generate_calls
from .sdk0 import LegacySDK, openai0

MESSAGES = [{"role": "user", "content": "Say hi."}]


def methods() -> list[Any]:
    """What patch() may replace, and what it must leave alone, as the classes hold them."""
    return [
        vars(resource)[name]
        for resource in (openai0.ChatCompletion, openai0.Completion, openai0.Embedding)
        for name in ("create", "acreate")
    ]


def test_other_models_pass_through_untouched(patched: TGIServer, openai_api: OpenAIStandIn, legacy: LegacySDK) -> None:
    completion = legacy.create(model="gpt-3.5-turbo", messages=MESSAGES)

    assert completion.choices[0].message.content == "from openai"
    assert generate_calls(patched) == []
    [seen] = openai_api.requests
    assert seen.path == "/v1/chat/completions"


@pytest.mark.parametrize("stream", [False, True])
def test_pass_through_sends_the_identical_request(
    tgi: TGIServer, openai_api: OpenAIStandIn, legacy: LegacySDK, stream: bool
) -> None:
    kwargs: dict[str, Any] = {"model": "gpt-3.5-turbo", "messages": MESSAGES, "temperature": 0.2}
    call = (lambda: legacy.stream(**kwargs)) if stream else (lambda: legacy.create(**kwargs))
    call()
    easyllm_shim.patch(api_base=tgi.url, token=HF_TOKEN)
    call()

    unpatched, patched = openai_api.requests
    assert (patched.method, patched.path, patched.body, patched.headers) == (
        unpatched.method,
        unpatched.path,
        unpatched.body,
        unpatched.headers,
    )
    assert generate_calls(tgi) == []


def test_each_resource_is_wrapped(tgi: TGIServer) -> None:
    before = methods()
    easyllm_shim.patch(api_base=tgi.url, token=HF_TOKEN)
    after = methods()

    assert not any(a is b for a, b in zip(before, after, strict=True))


def test_unpatch_restores_the_sdk_exactly(tgi: TGIServer, openai_api: OpenAIStandIn, legacy: LegacySDK) -> None:
    originals = methods()
    easyllm_shim.patch(api_base=tgi.url, token=HF_TOKEN)
    assert easyllm_shim.is_patched()

    easyllm_shim.unpatch()
    easyllm_shim.unpatch()  # idempotent

    assert not easyllm_shim.is_patched()
    assert all(now is then for now, then in zip(methods(), originals, strict=True))
    legacy.create(model=LLAMA, messages=MESSAGES)
    assert generate_calls(tgi) == []
    assert len(openai_api.requests) == 1


def test_a_second_patch_does_not_route_twice(tgi: TGIServer, legacy: LegacySDK) -> None:
    easyllm_shim.patch(api_base=tgi.url, token=HF_TOKEN)
    wrappers = methods()
    easyllm_shim.patch(api_base=tgi.url, token=HF_TOKEN)

    assert all(now is then for now, then in zip(methods(), wrappers, strict=True))
    assert legacy.create(model=LLAMA, messages=MESSAGES).choices[0].message.content == "Hello there!"
    assert len(generate_calls(tgi)) == 1


def test_a_second_patch_reconfigures(tgi: TGIServer, tgi_server_factory: Any, legacy: LegacySDK) -> None:
    other = tgi_server_factory()
    other.reply = "From the other server."
    easyllm_shim.patch(api_base=tgi.url, token=HF_TOKEN)
    easyllm_shim.patch(api_base=other.url, token=HF_TOKEN)

    assert legacy.create(model=LLAMA, messages=MESSAGES).choices[0].message.content == "From the other server."
    assert generate_calls(tgi) == []


def test_a_custom_route_predicate_decides(tgi: TGIServer, openai_api: OpenAIStandIn, legacy: LegacySDK) -> None:
    easyllm_shim.patch(
        api_base=tgi.url, token=HF_TOKEN, route=lambda model: model == "my-llama", prompt_formats={"my-llama": "llama2"}
    )

    assert legacy.create(model="my-llama", messages=MESSAGES).choices[0].message.content == "Hello there!"
    assert legacy.create(model=LLAMA, messages=MESSAGES).choices[0].message.content == "from openai"


def test_a_routed_call_needs_no_openai_key(
    patched: TGIServer, legacy: LegacySDK, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(openai0, "api_key", None)
    monkeypatch.setattr(openai0, "api_key_path", None)

    assert legacy.create(model=LLAMA, messages=MESSAGES).choices[0].message.content == "Hello there!"

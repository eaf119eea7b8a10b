"""The OpenAI key never reaches a Hugging Face endpoint; the HF token never reaches OpenAI."""

from __future__ import annotations

from pathlib import Path

import pytest

import easyllm_shim
from easyllm_shim.testing import TGIServer

from .conftest import HF_TOKEN, LLAMA
from .openai_standin import OpenAIStandIn
from .sdk import OPENAI_KEY, SDK
from .wire import assert_only_hugging_face_headers_forwarded, every_header_value, generate_calls

MESSAGES = [{"role": "user", "content": "Hi"}]


def test_each_side_sees_only_its_own_credential(patched: TGIServer, openai_api: OpenAIStandIn, sdk: SDK) -> None:
    sdk.create(model=LLAMA, messages=MESSAGES)
    sdk.stream(model=LLAMA, messages=MESSAGES)
    sdk.create(model="gpt-4o-mini", messages=MESSAGES)

    tgi_headers = every_header_value(patched.requests)
    openai_headers = every_header_value(openai_api.requests)
    assert f"authorization: Bearer {HF_TOKEN}" in tgi_headers
    assert OPENAI_KEY not in tgi_headers
    assert f"authorization: Bearer {OPENAI_KEY}" in openai_headers
    assert HF_TOKEN not in openai_headers
    assert all(HF_TOKEN.encode() not in r.body for r in openai_api.requests)


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        (
            {"HUGGINGFACE_TOKEN": "hf_from_huggingface_token", "HF_TOKEN": "hf_from_hf_token"},
            "hf_from_huggingface_token",
        ),
        ({"HF_TOKEN": "hf_from_hf_token"}, "hf_from_hf_token"),
    ],
)
def test_token_comes_from_the_environment_in_documented_order(
    tgi: TGIServer, sdk: SDK, monkeypatch: pytest.MonkeyPatch, environment: dict[str, str], expected: str
) -> None:
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    easyllm_shim.patch(api_base=tgi.url)

    sdk.create(model=LLAMA, messages=MESSAGES)

    assert tgi.requests[-1].headers["authorization"] == f"Bearer {expected}"


def test_a_token_set_in_code_wins_over_the_environment(
    tgi: TGIServer, sdk: SDK, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_TOKEN", "hf_from_env")
    easyllm_shim.patch(api_base=tgi.url, token="hf_from_code")

    sdk.create(model=LLAMA, messages=MESSAGES)

    assert tgi.requests[-1].headers["authorization"] == "Bearer hf_from_code"


def test_a_stored_login_is_not_sent_to_a_self_hosted_endpoint(
    tgi: TGIServer, sdk: SDK, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HF_TOKEN_PATH", str(tmp_path / "token"))
    (tmp_path / "token").write_text("hf_stored_login")
    easyllm_shim.patch(api_base=tgi.url)

    sdk.create(model=LLAMA, messages=MESSAGES)

    assert "authorization" not in tgi.requests[-1].headers


def test_hugging_face_headers_among_a_callers_extra_headers_reach_tgi(patched: TGIServer, sdk: SDK) -> None:
    forwarded = {"x-wait-for-model": "true", "x-use-cache": "false", "x-hf-bill-to": "my-org"}  # tgi-protocol.md §6
    # Anything else is the OpenAI side's: its key, a proxy's key in front of it, the SDK's own.
    kept_back = {"api-key": OPENAI_KEY, "Helicone-Auth": f"Bearer {OPENAI_KEY}", "OpenAI-Organization": "org-x"}
    extra_headers = {**{name.upper(): value for name, value in forwarded.items()}, **kept_back}
    extra_headers["Authorization"] = f"Bearer {OPENAI_KEY}"

    sdk.create(model=LLAMA, messages=MESSAGES, extra_headers=extra_headers)
    sdk.stream(model=LLAMA, messages=MESSAGES, extra_headers=extra_headers)

    assert len(generate_calls(patched)) == 2
    assert_only_hugging_face_headers_forwarded(
        patched, {**forwarded, "authorization": f"Bearer {HF_TOKEN}"}, list(kept_back), OPENAI_KEY
    )

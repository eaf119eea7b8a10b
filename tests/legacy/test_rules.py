"""Model map, A/B experiments, fallback and the event log on openai 0.28, as on openai >= 1 (docs/deploy.md)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

import easyllm_shim
from easyllm_shim.testing import TGIServer

from ..conftest import HF_TOKEN, LLAMA
from ..interpreters import python_with_the_pth
from ..openai_standin import OpenAIStandIn
from ..wire import generate_calls, refused_url
from .sdk0 import OPENAI_KEY, LegacySDK, openai0

MESSAGES = [{"role": "user", "content": "Say hi."}]


def events(log: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in log.read_text().splitlines()]


def test_the_model_map_sends_an_openai_model_to_tgi(
    tgi: TGIServer, openai_api: OpenAIStandIn, legacy: LegacySDK, tmp_path: Path
) -> None:
    log = tmp_path / "events.jsonl"
    easyllm_shim.patch(api_base=tgi.url, token=HF_TOKEN, model_map={"gpt-3.5-turbo": LLAMA}, ab_log=log)

    completion = legacy.create(model="gpt-3.5-turbo", messages=MESSAGES)
    streamed = legacy.stream(model="gpt-3.5-turbo", messages=MESSAGES)

    assert (completion.model, completion.choices[0].message.content) == (LLAMA, "Hello there!")
    assert streamed.content == "Hello there!"
    assert {chunk.model for chunk in streamed.chunks} == {LLAMA}
    assert openai_api.requests == []
    assert [call.json()["inputs"] for call in generate_calls(tgi)] == ["[INST] Say hi. [/INST]"] * 2
    logged = events(log)
    assert [(e["requested"], e["served"], e["backend"], e["stream"]) for e in logged] == [
        ("gpt-3.5-turbo", LLAMA, "tgi", False),
        ("gpt-3.5-turbo", LLAMA, "tgi", True),
    ]
    assert logged[0]["completion_tokens"] == 4
    assert logged[1]["ttft_s"] is not None


def test_an_experiment_arm_is_sticky_per_user(tgi: TGIServer, openai_api: OpenAIStandIn, legacy: LegacySDK) -> None:
    easyllm_shim.patch(api_base=tgi.url, token=HF_TOKEN, ab={"gpt-3.5-turbo": {LLAMA: 50}})

    served = {
        user: {legacy.create(model="gpt-3.5-turbo", messages=MESSAGES, user=user).model for _ in range(3)}
        for user in (f"user-{n}" for n in range(12))
    }

    assert all(len(models) == 1 for models in served.values())  # each user always on one arm
    arms = {models.pop() for models in served.values()}
    assert arms == {LLAMA, "gpt-3.5-turbo"}  # 12 users at 50%: both arms (fails with odds 2 in 4,096)
    assert all(r.json()["model"] == "gpt-3.5-turbo" for r in openai_api.requests)


def test_a_refused_tgi_endpoint_falls_back_to_openai(
    openai_api: OpenAIStandIn, legacy: LegacySDK, tmp_path: Path
) -> None:
    log = tmp_path / "events.jsonl"
    easyllm_shim.patch(api_base=refused_url(), token=HF_TOKEN, fallback={LLAMA: "gpt-3.5-turbo"}, ab_log=log)

    completion = legacy.create(model=LLAMA, messages=MESSAGES)
    streamed = legacy.stream(model=LLAMA, messages=MESSAGES)

    assert completion.choices[0].message.content == "from openai"
    assert streamed.content == "from openai"
    assert [r.json()["model"] for r in openai_api.requests] == ["gpt-3.5-turbo"] * 2
    assert all(r.headers["authorization"] == f"Bearer {OPENAI_KEY}" for r in openai_api.requests)
    logged = events(log)
    assert [(e["arm"], e["served"], e["backend"], e["fallback"], e["error"]) for e in logged] == [
        (LLAMA, "gpt-3.5-turbo", "openai", True, None)
    ] * 2
    assert all(e["fallback_reason"].startswith("APIConnectionError") for e in logged)
    assert all(HF_TOKEN not in line and OPENAI_KEY not in line for line in log.read_text().splitlines())


def test_a_request_error_is_not_a_backend_failure(tgi: TGIServer, openai_api: OpenAIStandIn, legacy: LegacySDK) -> None:
    easyllm_shim.patch(api_base=tgi.url, token=HF_TOKEN, fallback={LLAMA: "gpt-3.5-turbo"})
    with pytest.raises(openai0.error.InvalidRequestError):
        legacy.create(model=LLAMA, messages=MESSAGES, logit_bias={"1": 5})
    assert openai_api.requests == []


# A 0.28 program that knows nothing of easyllm_shim: the environment alone switches its backend.
PROGRAM = """
import json, openai
completion = openai.ChatCompletion.create(model="gpt-3.5-turbo", messages=[{"role": "user", "content": "Hi"}])
print(json.dumps({"model": completion.model, "content": completion.choices[0].message.content}))
"""


def test_autopatch_and_the_model_map_switch_an_unmodified_program(
    tgi: TGIServer, openai_api: OpenAIStandIn, tmp_path: Path
) -> None:
    program = tmp_path / "app.py"
    program.write_text(PROGRAM)
    env = {name: value for name, value in os.environ.items() if not name.startswith(("OPENAI_", "EASYLLM_", "HF_"))}
    env.update(
        OPENAI_API_KEY=OPENAI_KEY,
        OPENAI_API_BASE=openai_api.url,
        HF_HUB_OFFLINE="1",
        HUGGINGFACE_TOKEN=HF_TOKEN,
        HUGGINGFACE_API_BASE=tgi.url,
        EASYLLM_AUTOPATCH="1",
        EASYLLM_MODEL_MAP=f"gpt-3.5-turbo={LLAMA}",
    )

    done = subprocess.run([*python_with_the_pth(tmp_path), str(program)], env=env, capture_output=True, text=True)

    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"model": LLAMA, "content": "Hello there!"}
    assert openai_api.requests == []
    assert len(generate_calls(tgi)) == 1

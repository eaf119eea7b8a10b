"""Fresh interpreters configured by environment variables only, as teams deploy the shim."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from easyllm_shim.testing import TGIServer

from ..conftest import HF_TOKEN, LLAMA
from ..openai_standin import OpenAIStandIn
from ..sdk import OPENAI_KEY, SDK

APP = Path(__file__).with_name("app.py")
# Variables the parent may have that would change what the child does.
_INHERITED_NOT = ("EASYLLM_", "HUGGINGFACE_", "HF_", "OPENAI_")
AB_PERCENT = 30
AB_CALLS = 400

Result = dict[str, Any]


@pytest.fixture(autouse=True)
def no_deployment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("EASYLLM_"):
            monkeypatch.delenv(name)


@pytest.fixture
def sdk_no_retries(asynchronous: bool, openai_api: OpenAIStandIn) -> Iterator[SDK]:
    client = SDK(asynchronous, openai_api.url, max_retries=0)
    yield client
    client.close()


def fresh_env(openai_url: str, **variables: str) -> dict[str, str]:
    """The child's whole environment: the OpenAI stand-in, no stored Hugging Face login, and `variables`."""
    env = {name: value for name, value in os.environ.items() if not name.startswith(_INHERITED_NOT)}
    env.update(
        OPENAI_BASE_URL=openai_url,
        OPENAI_API_KEY=OPENAI_KEY,
        HF_HUB_OFFLINE="1",
        HF_HOME=os.path.join(tempfile.gettempdir(), "easyllm-shim-tests-no-hf-home"),
    )
    env.update(variables)
    return env


def start_app(env: dict[str, str], *arguments: str, patch: bool = True) -> subprocess.Popen[str]:
    command = [sys.executable, str(APP), *(["--patch"] if patch else []), *arguments]
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def results_of(app: subprocess.Popen[str]) -> list[Result]:
    stdout, stderr = app.communicate(timeout=120)
    assert app.returncode == 0, stderr
    results: list[Result] = json.loads(stdout)["results"]
    return results


def run_app(env: dict[str, str], *arguments: str, patch: bool = True) -> list[Result]:
    return results_of(start_app(env, *arguments, patch=patch))


def served(results: Sequence[Result]) -> list[str]:
    """The model that served each call (`response.model`; every chunk's for streams, which must agree)."""
    models = []
    for result in results:
        assert "error" not in result, result
        [model] = result["served"]
        models.append(model)
    return models


def read_log(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


@dataclass(frozen=True)
class ABRun:
    """One fresh interpreter's AB_CALLS calls for gpt-4o-mini with a 30% Llama arm, and its event log."""

    results: list[Result]
    log: Path


@pytest.fixture(scope="session")
def ab_run(tmp_path_factory: pytest.TempPathFactory) -> ABRun:
    log = tmp_path_factory.mktemp("ab") / "events.jsonl"
    with TGIServer(reply="Hello there!") as tgi, OpenAIStandIn() as api:
        env = fresh_env(
            api.url,
            HUGGINGFACE_API_BASE=tgi.url,
            HF_TOKEN=HF_TOKEN,
            EASYLLM_AB=f"gpt-4o-mini={LLAMA}:{AB_PERCENT}",
            EASYLLM_AB_LOG=str(log),
        )
        results = run_app(env, "--calls", str(AB_CALLS), "--threads", "4", "--stream-every", "5")
    return ABRun(results, log)

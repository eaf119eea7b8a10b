"""openai 0.28's module-level API, patched. These tests run only where openai 0.28 is installed (tox env openai0)."""

from __future__ import annotations

from importlib.metadata import version

import pytest

from ..openai_standin import OpenAIStandIn
from .sdk0 import OPENAI_KEY, LegacySDK, openai0

# `openai.ChatCompletion` and friends exist only before openai 1; the openai >= 1 envs test the client API instead.
collect_ignore_glob = [] if version("openai").startswith("0.") else ["test_*.py"]


@pytest.fixture
def legacy(asynchronous: bool, openai_api: OpenAIStandIn, monkeypatch: pytest.MonkeyPatch) -> LegacySDK:
    """0.28's module-level settings pointed at the OpenAI stand-in, called sync (`create`) or async (`acreate`)."""
    monkeypatch.setattr(openai0, "api_key", OPENAI_KEY)
    monkeypatch.setattr(openai0, "api_base", openai_api.url)  # OPENAI_API_BASE, as `openai_api` set it
    monkeypatch.setattr(openai0, "organization", None)
    return LegacySDK(asynchronous)

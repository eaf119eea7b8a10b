from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from easyllm_shim._prompts import clear_format_cache, discovery


@pytest.fixture(autouse=True)
def isolated_template_sources(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Every test sees an empty huggingface_hub cache and no registrations, whatever the machine has."""
    hub = tmp_path / "hf-hub-cache"
    hub.mkdir()
    for variable in ("HUGGINGFACE_HUB_CACHE", "HF_HOME", "XDG_CACHE_HOME"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("HF_HUB_CACHE", str(hub))
    monkeypatch.setattr(discovery, "_REGISTERED", {})
    clear_format_cache()
    yield hub
    clear_format_cache()

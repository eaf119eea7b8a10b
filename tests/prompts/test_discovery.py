from __future__ import annotations

import subprocess
import sys
import types
from pathlib import Path
from typing import Any

import pytest

from easyllm_shim._prompts import discovery, fetch_chat_template, register_chat_template
from easyllm_shim._prompts.discovery import find_tokenizer_config, hub_cache_dir, registrations_changed

from ._hub import cache_snapshot, tokenizer_config, write_config

MODEL = "acme/chat-7b"
CONFIG = tokenizer_config("{{ messages[0]['content'] }}")


class TestRegistration:
    def test_a_registered_file_wins_over_the_cache(self, tmp_path: Path, isolated_template_sources: Path) -> None:
        cache_snapshot(isolated_template_sources, MODEL, CONFIG)
        registered = write_config(tmp_path / "mine", CONFIG)

        assert register_chat_template(MODEL, registered) == registered
        assert find_tokenizer_config(MODEL) == registered

    def test_a_directory_can_be_registered(self, tmp_path: Path) -> None:
        path = write_config(tmp_path / "model", CONFIG)

        register_chat_template(MODEL, tmp_path / "model")

        assert find_tokenizer_config(MODEL) == path

    def test_registering_a_missing_file_fails_loudly(self, tmp_path: Path) -> None:
        with pytest.raises(FileNotFoundError, match=r"no tokenizer_config\.json at"):
            register_chat_template(MODEL, tmp_path / "nowhere")

    def test_each_registration_changes_the_cache_key(self, tmp_path: Path) -> None:
        before = registrations_changed()

        register_chat_template(MODEL, write_config(tmp_path, CONFIG))

        assert registrations_changed() != before


class TestLocalPaths:
    def test_a_local_model_directory_is_its_own_source(self, tmp_path: Path) -> None:
        path = write_config(tmp_path / "Llama-2-7b-chat-hf", CONFIG)

        assert find_tokenizer_config(str(tmp_path / "Llama-2-7b-chat-hf")) == path

    def test_a_local_json_file_is_used_as_the_config(self, tmp_path: Path) -> None:
        path = write_config(tmp_path, CONFIG)

        assert find_tokenizer_config(str(path)) == path

    def test_other_local_files_are_not_configs(self, tmp_path: Path) -> None:
        (tmp_path / "notes.txt").write_text("hello", encoding="utf-8")

        assert find_tokenizer_config(str(tmp_path / "notes.txt")) is None


class TestHubCache:
    def test_the_snapshot_named_by_refs_main_is_used(self, isolated_template_sources: Path) -> None:
        current = cache_snapshot(isolated_template_sources, MODEL, CONFIG, revision="a" * 40, mtime=1_000)
        cache_snapshot(isolated_template_sources, MODEL, CONFIG, revision="b" * 40, write_ref=False, mtime=2_000)

        assert find_tokenizer_config(MODEL) == current

    def test_without_refs_main_the_newest_snapshot_is_used(self, isolated_template_sources: Path) -> None:
        cache_snapshot(isolated_template_sources, MODEL, CONFIG, revision="a" * 40, write_ref=False, mtime=1_000)
        newest = cache_snapshot(
            isolated_template_sources, MODEL, CONFIG, revision="b" * 40, write_ref=False, mtime=2_000
        )

        assert find_tokenizer_config(MODEL) == newest

    def test_a_ref_to_a_snapshot_without_the_file_falls_back(self, isolated_template_sources: Path) -> None:
        other = cache_snapshot(isolated_template_sources, MODEL, CONFIG, revision="b" * 40, write_ref=False)
        repo = isolated_template_sources / "models--acme--chat-7b"
        (repo / "refs").mkdir()
        (repo / "refs" / "main").write_text("c" * 40 + "\n", encoding="utf-8")

        assert find_tokenizer_config(MODEL) == other

    def test_an_uncached_model_has_no_config(self) -> None:
        assert find_tokenizer_config(MODEL) is None

    def test_a_model_without_an_organisation_is_found_too(self, isolated_template_sources: Path) -> None:
        path = cache_snapshot(isolated_template_sources, "gpt2", CONFIG)

        assert find_tokenizer_config("gpt2") == path


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        ({"HF_HUB_CACHE": "/a/hub", "HF_HOME": "/b"}, "/a/hub"),
        ({"HUGGINGFACE_HUB_CACHE": "/legacy", "HF_HOME": "/b"}, "/legacy"),
        ({"HF_HOME": "/b", "XDG_CACHE_HOME": "/x"}, "/b/hub"),
        ({"XDG_CACHE_HOME": "/x"}, "/x/huggingface/hub"),
        ({}, "{home}/.cache/huggingface/hub"),
    ],
)
def test_hub_cache_dir_follows_huggingface_hub_environment(
    environment: dict[str, str], expected: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for variable in ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "HF_HOME", "XDG_CACHE_HOME"):
        monkeypatch.delenv(variable, raising=False)
    for variable, value in environment.items():
        monkeypatch.setenv(variable, value)
    monkeypatch.setenv("HOME", str(tmp_path))

    assert hub_cache_dir() == Path(expected.format(home=tmp_path))


def test_fetch_downloads_with_the_callers_token_and_registers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[str, str, Any, Any]] = []

    class EntryNotFoundError(Exception):
        pass

    def hf_hub_download(repo_id: str, filename: str, *, token: Any = None, revision: Any = None) -> str:
        calls.append((repo_id, filename, token, revision))
        if filename != "tokenizer_config.json":
            raise EntryNotFoundError(filename)
        return str(write_config(tmp_path / "downloaded", CONFIG))

    hub = types.ModuleType("huggingface_hub")
    hub.hf_hub_download = hf_hub_download  # type: ignore[attr-defined]
    errors = types.ModuleType("huggingface_hub.errors")
    errors.EntryNotFoundError = EntryNotFoundError  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "huggingface_hub", hub)
    monkeypatch.setitem(sys.modules, "huggingface_hub.errors", errors)

    path = fetch_chat_template(MODEL, token="hf_secret", revision="v1")

    assert calls == [
        (MODEL, "tokenizer_config.json", "hf_secret", "v1"),
        (MODEL, "chat_template.jinja", "hf_secret", "v1"),
    ]
    assert path == tmp_path / "downloaded" / "tokenizer_config.json"
    assert discovery._REGISTERED[MODEL] == path


def test_lookups_import_neither_huggingface_hub_nor_jinja2(isolated_template_sources: Path) -> None:
    script = (
        "import sys, easyllm_shim\n"
        "before = set(sys.modules)\n"
        "from easyllm_shim._prompts import resolve_format\n"
        "for model in ('meta-llama/Llama-2-7b-chat-hf', 'acme/unknown', None):\n"
        "    resolve_format(model).prompt('hi')\n"
        "added = set(sys.modules) - before\n"
        "heavy = sorted(name for name in added if name.split('.')[0] in ('huggingface_hub', 'jinja2'))\n"
        "assert not heavy, heavy\n"
    )
    environment = {"HF_HUB_CACHE": str(isolated_template_sources), "PATH": "", "HOME": str(isolated_template_sources)}

    result = subprocess.run(
        [sys.executable, "-c", script], env=environment, capture_output=True, text=True, check=False
    )

    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("model", ["bad\0name", "x" * 5000, "org/" + "y" * 5000, "~no-such-user-here/model"])
def test_model_names_no_file_system_accepts_have_no_config(model: str) -> None:
    assert find_tokenizer_config(model) is None

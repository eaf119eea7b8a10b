"""Lay out tokenizer_config.json files the way huggingface_hub's cache does (no hub access)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


def tokenizer_config(chat_template: str | None, **fields: Any) -> dict[str, Any]:
    config: dict[str, Any] = {"tokenizer_class": "PreTrainedTokenizerFast", **fields}
    if chat_template is not None:
        config["chat_template"] = chat_template
    return config


def cache_snapshot(
    hub: Path,
    model: str,
    config: dict[str, Any],
    *,
    revision: str = "0123456789abcdef0123456789abcdef01234567",
    write_ref: bool = True,
    mtime: float | None = None,
) -> Path:
    """Write ``models--org--name/snapshots/<revision>/tokenizer_config.json`` (and ``refs/main``)."""
    repo = hub / ("models--" + model.replace("/", "--"))
    snapshot = repo / "snapshots" / revision
    snapshot.mkdir(parents=True, exist_ok=True)
    path = snapshot / "tokenizer_config.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    if write_ref:
        (repo / "refs").mkdir(exist_ok=True)
        (repo / "refs" / "main").write_text(revision, encoding="utf-8")
    return path


def write_config(directory: Path, config: dict[str, Any]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "tokenizer_config.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    return path

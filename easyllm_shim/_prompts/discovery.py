"""Where a model's ``tokenizer_config.json`` is, without touching the network.

Order: a file registered with ``register_chat_template``; ``model`` itself as a local path; the
huggingface_hub cache on disk. huggingface_hub is not imported here (it is slow to import); only the
opt-in ``fetch_chat_template`` uses it.
"""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path

__all__ = [
    "TOKENIZER_CONFIG",
    "fetch_chat_template",
    "find_tokenizer_config",
    "hub_cache_dir",
    "register_chat_template",
    "registrations_changed",
]

TOKENIZER_CONFIG = "tokenizer_config.json"

logger = logging.getLogger("easyllm_shim")

_REGISTERED: dict[str, Path] = {}
# Bumped on every registration, so format caches keyed on it never serve a stale lookup.
_generation = 0


def registrations_changed() -> int:
    """A counter that changes whenever a registration changes (part of format cache keys)."""
    return _generation


def register_chat_template(model: str, path: str | os.PathLike[str]) -> Path:
    """Use the ``tokenizer_config.json`` at ``path`` (the file, or a directory holding it) for ``model``.

    Takes precedence over every other source. Returns the resolved file path; raises FileNotFoundError
    if there is no such file.
    """
    global _generation
    config = _config_file(Path(path))
    if config is None:
        raise FileNotFoundError(f"no {TOKENIZER_CONFIG} at {os.fspath(path)!r}")
    _REGISTERED[model] = config
    _generation += 1
    return config


def fetch_chat_template(model: str, *, token: str | bool | None = None, revision: str | None = None) -> Path:
    """Download ``model``'s tokenizer_config.json (and chat_template.jinja if the repo has one) and use it.

    Opt-in: nothing else in this library touches the network for templates. ``token`` is passed to
    ``huggingface_hub.hf_hub_download`` (None means huggingface_hub's own token discovery). The files
    land in the huggingface_hub cache, and the config is registered for ``model``.
    """
    from huggingface_hub import hf_hub_download

    try:
        from huggingface_hub.errors import EntryNotFoundError
    except ImportError:  # huggingface_hub < 0.24 kept its errors in utils
        from huggingface_hub.utils import EntryNotFoundError  # type: ignore[attr-defined]

    config = Path(hf_hub_download(model, TOKENIZER_CONFIG, token=token, revision=revision))
    # Most repos keep the template inside tokenizer_config.json and have no chat_template.jinja.
    with contextlib.suppress(EntryNotFoundError):
        hf_hub_download(model, "chat_template.jinja", token=token, revision=revision)
    return register_chat_template(model, config)


def find_tokenizer_config(model: str) -> Path | None:
    """The ``tokenizer_config.json`` to use for ``model``, or None. Reads the disk, never the network."""
    registered = _REGISTERED.get(model)
    if registered is not None:
        return registered
    try:
        # TGI is often started with a local directory as --model-id, and that path is then the model name.
        return _config_file(Path(model).expanduser()) or _cached_config(model)
    # A model name no file system accepts: too long, a NUL byte, "~nobody/..." (RuntimeError from expanduser).
    except (OSError, ValueError, RuntimeError) as exc:
        logger.debug("easyllm_shim: no tokenizer_config.json lookup for %r: %s", model, exc)
        return None


def hub_cache_dir() -> Path:
    """The huggingface_hub cache: $HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub.

    (The legacy $HUGGINGFACE_HUB_CACHE and $XDG_CACHE_HOME are honoured the way huggingface_hub does.)
    """
    for variable in ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE"):
        value = os.environ.get(variable)
        if value:
            return Path(value).expanduser()
    home = os.environ.get("HF_HOME")
    if home:
        return Path(home).expanduser() / "hub"
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path("~/.cache").expanduser()
    return base / "huggingface" / "hub"


def _config_file(path: Path) -> Path | None:
    if path.is_dir():
        path = path / TOKENIZER_CONFIG
    elif path.suffix != ".json":
        return None
    return path if path.is_file() else None


def _cached_config(model: str) -> Path | None:
    repo = hub_cache_dir() / ("models--" + model.replace("/", "--"))
    snapshots = repo / "snapshots"
    if not snapshots.is_dir():
        return None
    ref = repo / "refs" / "main"
    if ref.is_file():
        config = snapshots / ref.read_text(encoding="utf-8").strip() / TOKENIZER_CONFIG
        if config.is_file():
            return config
    # No usable refs/main (e.g. downloaded at a pinned revision): take the newest snapshot that has one.
    candidates = [config for config in snapshots.glob(f"*/{TOKENIZER_CONFIG}") if config.is_file()]
    return max(candidates, key=lambda config: config.stat().st_mtime, default=None)

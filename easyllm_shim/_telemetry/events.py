"""The JSON-lines event log: one whole line per managed call, appended atomically.

Each line is one `os.write` on a descriptor opened with O_APPEND, so lines from many threads and
processes never interleave (POSIX appends each write at the end of the file in one step). The
event fields: docs/deploy.md.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
from collections.abc import Iterable, Mapping
from typing import Any

from .._config.redact import without_credentials

log = logging.getLogger("easyllm_shim")

# Token shapes (Hugging Face `hf_…`, OpenAI `sk-…`) redacted from error messages even when they are
# not the configured ones, e.g. a key echoed back in a proxy's error body.
_SECRET_SHAPES = re.compile(r"\b(hf_|sk-)[A-Za-z0-9_-]{6,}")
_MAX_ERROR = 500


class EventLog:
    """Appends events to one file; a write that fails is reported once and never breaks the call."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._descriptor: int | None = None
        self._lock = threading.Lock()
        self._warned = False

    def write(self, event: Mapping[str, Any]) -> None:
        line = json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
        try:
            os.write(self._open(), line)
        except OSError as error:
            if not self._warned:
                self._warned = True
                log.warning("easyllm-shim cannot write its event log %s: %s", self.path, error)

    def _open(self) -> int:
        if self._descriptor is None:
            with self._lock:
                if self._descriptor is None:
                    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)
                    self._descriptor = os.open(self.path, flags | getattr(os, "O_BINARY", 0), 0o644)
        return self._descriptor


_logs: dict[str, EventLog] = {}
_logs_lock = threading.Lock()


def event_log(path: str) -> EventLog:
    """One log per path per process, so reconfiguring `patch()` reuses the open descriptor."""
    with _logs_lock:
        if path not in _logs:
            _logs[path] = EventLog(path)
        return _logs[path]


def error_text(error: BaseException, secrets: Iterable[str | None]) -> str:
    """`ClassName: message`, with secrets removed and the length capped."""
    text = f"{type(error).__name__}: {error}"
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return _SECRET_SHAPES.sub(r"\1***", without_credentials(text))[:_MAX_ERROR]

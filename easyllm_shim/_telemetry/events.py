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
import stat
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
    """Appends events to one file; a write that fails is reported once and never breaks the call.

    As `logging.handlers.WatchedFileHandler` does, the file is opened again when the path no longer names
    the open file (renamed or removed by log rotation), and only a regular file is written to.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self._descriptor: int | None = None
        self._identity: tuple[int, int] | None = None
        self._lock = threading.Lock()
        self._warned = False

    def write(self, event: Mapping[str, Any]) -> None:
        # `replace`: a lone surrogate in an error message must not make the write raise into the call.
        line = json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "replace") + b"\n"
        try:
            with self._lock:  # a rotation may close the descriptor: not while another thread writes to it
                os.write(self._open(), line)
        except OSError as error:
            if not self._warned:
                self._warned = True
                log.warning("easyllm-shim cannot write its event log %s: %s", self.path, error)

    def _open(self) -> int:
        if self._descriptor is not None and self._identity != _identity(self.path):
            os.close(self._descriptor)  # rotated: the next lines go to the file the path names now
            self._descriptor = None
        if self._descriptor is None:
            # O_NONBLOCK: opening a FIFO with no reader fails at once instead of blocking the call.
            flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NONBLOCK", 0)
            flags |= getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
            descriptor = os.open(self.path, flags, 0o644)
            status = os.fstat(descriptor)
            if not stat.S_ISREG(status.st_mode):
                os.close(descriptor)
                raise OSError(f"{self.path} is not a regular file")
            self._descriptor, self._identity = descriptor, (status.st_dev, status.st_ino)
        return self._descriptor


def _identity(path: str) -> tuple[int, int] | None:
    try:
        status = os.stat(path)
    except OSError:
        return None
    return status.st_dev, status.st_ino


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

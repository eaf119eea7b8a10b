"""Threads for generating `n > 1` choices concurrently on the sync side (async sides gather instead)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

_lock = threading.Lock()
_executor: ThreadPoolExecutor | None = None


def choice_pool() -> ThreadPoolExecutor:
    """One shared pool, created on first use."""
    global _executor
    with _lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=16, thread_name_prefix="easyllm-shim-choice")
        return _executor

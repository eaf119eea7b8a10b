"""How many upstream requests one call has in flight at most (`n > 1`, several prompts), and the threads
that send them concurrently on the sync side (async sides gather, as many at a time)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

CONCURRENT_REQUESTS = 16

_lock = threading.Lock()
_executor: ThreadPoolExecutor | None = None


def choice_pool() -> ThreadPoolExecutor:
    """One shared pool, created on first use."""
    global _executor
    with _lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=CONCURRENT_REQUESTS, thread_name_prefix="easyllm-shim-choice")
        return _executor

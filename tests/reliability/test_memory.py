"""Memory stays flat over ten thousand routed calls.

The calls run through the real patched SDK, the shim and the caller's HTTP client; only the socket is
replaced by a canned TGI answer (`_canned.py`). A TGI stand-in in this process would allocate, and
record every request, alongside the client, and would make each call several times slower.
"""

from __future__ import annotations

import gc
import sys
import tracemalloc
from collections.abc import Callable
from typing import Any

import openai

import easyllm_shim

from ..conftest import HF_TOKEN, LLAMA
from ..sdk import OPENAI_KEY
from ._canned import REPLY, TGI_URL, canned_http_client

WARM_UP = 500
CALLS = 10_000
# tracemalloc makes each call ~3x slower, so it watches the last stretch only; the allocator's block
# count watches all of it. One leaked object per call (9,500 blocks) or 30 leaked bytes per call
# (42 kB traced) fails.
TRACED = 1_500
MAX_TRACED_GROWTH = 40_000  # bytes
MAX_BLOCK_GROWTH = 3_000  # pymalloc blocks
MESSAGES = [{"role": "user", "content": "Knock knock."}]


def _repeat(call: Callable[[], Any], times: int) -> None:
    for _ in range(times):
        call()


def test_memory_is_flat_over_ten_thousand_routed_calls() -> None:
    easyllm_shim.patch(api_base=TGI_URL, token=HF_TOKEN, route_all_clients=True)
    client = openai.OpenAI(api_key=OPENAI_KEY, base_url="http://openai.invalid/v1", http_client=canned_http_client())

    def call() -> None:
        completion = client.chat.completions.create(model=LLAMA, messages=MESSAGES)  # type: ignore[arg-type]
        assert completion.choices[0].message.content == REPLY

    with client:
        _repeat(call, WARM_UP)  # pools, caches, lazy imports and the shadow client settle
        gc.collect()
        blocks_before = sys.getallocatedblocks()
        _repeat(call, CALLS - TRACED)
        tracemalloc.start()
        try:
            _repeat(call, 100)  # tracemalloc's own bookkeeping settles
            gc.collect()
            before = tracemalloc.take_snapshot()
            _repeat(call, TRACED - 100)
            gc.collect()
            after = tracemalloc.take_snapshot()
        finally:
            tracemalloc.stop()
        gc.collect()
        block_growth = sys.getallocatedblocks() - blocks_before

    differences = after.compare_to(before, "lineno")
    growth = sum(difference.size_diff for difference in differences)
    top = "\n".join(str(difference) for difference in differences[:8])
    assert growth < MAX_TRACED_GROWTH, f"{growth} bytes more after {TRACED - 100} traced calls:\n{top}"
    assert block_growth < MAX_BLOCK_GROWTH, f"{block_growth} more allocated blocks after {CALLS} calls"

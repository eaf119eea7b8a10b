"""Import cost, measured in fresh interpreters: `import openai`, then `import easyllm_shim; patch()`."""

from __future__ import annotations

import statistics
import subprocess
import sys

_PROBE = """
import time
start = time.perf_counter()
import openai
mid = time.perf_counter()
import easyllm_shim
easyllm_shim.patch()
end = time.perf_counter()
print(mid - start, end - mid)
"""


def import_and_patch(runs: int) -> tuple[list[float], list[float]]:
    """Milliseconds of `import openai`, and of `import easyllm_shim` + `patch()` after it, per run."""
    openai_ms, shim_ms = [], []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, check=True)
        first, second = out.stdout.split()
        openai_ms.append(float(first) * 1e3)
        shim_ms.append(float(second) * 1e3)
    return openai_ms, shim_ms


def median(values: list[float]) -> float:
    return statistics.median(values)

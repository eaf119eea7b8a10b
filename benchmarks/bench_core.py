"""Client cost of a routed call, of pass-through, and of import + patch(), against named alternatives.

    python benchmarks/bench_core.py [--rounds 15] [--calls 200]

The TGI-protocol server runs in a separate process; each round runs every candidate in turn
(interleaved), and the table reports medians over rounds and ratios measured in the same run.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import openai
from _server import ServerProcess

import easyllm_shim

MODEL = "meta-llama/Llama-2-7b-chat-hf"
REPLY = "Hello! I am Llama, a helpful assistant. How can I help you today?"
MESSAGES = [
    {"role": "system", "content": "You are a helpful, respectful and honest assistant."},
    {"role": "user", "content": "Knock knock."},
]
Candidate = tuple[str, Callable[[], object], bool]  # name, one call, whether the shim is patched


def per_call(call: Callable[[], object], calls: int) -> tuple[float, float]:
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(calls):
        call()
    return (time.process_time() - cpu) / calls * 1e3, (time.perf_counter() - wall) / calls * 1e3


Samples = dict[str, list[tuple[float, float]]]


def measure(candidates: list[Candidate], rounds: int, calls: int) -> Samples:
    samples: Samples = {name: [] for name, _, _ in candidates}
    for _name, call, patched in candidates:  # warm up pools, caches and imports
        (easyllm_shim.patch if patched else easyllm_shim.unpatch)()
        per_call(call, max(calls // 10, 5))
    for _ in range(rounds):
        for name, call, patched in candidates:
            (easyllm_shim.patch if patched else easyllm_shim.unpatch)()
            samples[name].append(per_call(call, calls))
    easyllm_shim.unpatch()
    return samples


def ratio(samples: Samples, name: str, baseline: str) -> float:
    """Median of per-round CPU ratios: each round measures both back to back, so machine drift cancels."""
    return statistics.median(a[0] / b[0] for a, b in zip(samples[name], samples[baseline], strict=True))


_IMPORT_PROBE = """
import time
start = time.perf_counter()
import openai
mid = time.perf_counter()
import easyllm_shim
easyllm_shim.patch()
end = time.perf_counter()
print(mid - start, end - mid)
"""


def import_and_patch(runs: int) -> tuple[float, float]:
    """Median seconds of `import openai`, and of `import easyllm_shim; patch()` after it, in fresh interpreters."""
    openai_s, shim_s = [], []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", _IMPORT_PROBE], capture_output=True, text=True, check=True)
        first, second = out.stdout.split()
        openai_s.append(float(first))
        shim_s.append(float(second))
    return statistics.median(openai_s) * 1e3, statistics.median(shim_s) * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--import-runs", type=int, default=15)
    options = parser.parse_args()

    with ServerProcess(MODEL, REPLY) as server:
        easyllm_shim.patch(api_base=server.url, token="hf_bench")
        easyllm_shim.unpatch()
        routed_client = openai.OpenAI(api_key="sk-bench", base_url="http://127.0.0.1:9/v1", max_retries=0)
        tgi_client = openai.OpenAI(api_key="sk-bench", base_url=f"{server.url}/v1", max_retries=0)

        def routed() -> object:
            return routed_client.chat.completions.create(model=MODEL, messages=MESSAGES)  # type: ignore[arg-type]

        def messages_api(model: str = "tgi") -> object:
            return tgi_client.chat.completions.create(model=model, messages=MESSAGES)  # type: ignore[arg-type]

        def passthrough() -> object:
            return messages_api("gpt-4o-mini")  # not a Hub id: the patched SDK passes it through

        # `patch()` inside `measure` must keep pointing at this server.
        config = {"api_base": server.url, "token": "hf_bench"}
        original_patch = easyllm_shim.patch
        easyllm_shim.patch = lambda: original_patch(**config)  # type: ignore[assignment,misc]
        try:
            samples = measure(
                [
                    ("easyllm-shim, routed to /generate", routed, True),
                    ("openai SDK on TGI /v1/chat/completions", messages_api, False),
                    ("pass-through, unpatched", passthrough, False),
                    ("pass-through, patched", passthrough, True),
                ],
                options.rounds,
                options.calls,
            )
        finally:
            easyllm_shim.patch = original_patch  # type: ignore[method-assign]
        routed_client.close()
        tgi_client.close()

    import_openai_ms, import_patch_ms = import_and_patch(options.import_runs)

    machine = f"{platform.machine()} {platform.python_version()}, openai {openai.__version__}"
    print(f"# easyllm-shim core benchmark, {date.today()}, {machine}")
    print(f"# medians of {options.rounds} interleaved rounds x {options.calls} calls; server in its own process\n")
    print(f"| {'candidate':42} | client CPU ms/call | wall ms/call |")
    print(f"|{'-' * 44}|-------------------:|-------------:|")
    for name, runs in samples.items():
        cpu, wall = statistics.median(run[0] for run in runs), statistics.median(run[1] for run in runs)
        print(f"| {name:42} | {cpu:18.3f} | {wall:12.3f} |")
    routed_ratio = ratio(samples, "easyllm-shim, routed to /generate", "openai SDK on TGI /v1/chat/completions")
    passthrough_ratio = ratio(samples, "pass-through, patched", "pass-through, unpatched")
    print()
    print(f"routed call CPU vs SDK on the Messages API: {routed_ratio:.3f}x (target <= 1.0x)")
    print(f"pass-through overhead (CPU):                {passthrough_ratio:.3f}x (target <= 1.03x)")
    print(f"import openai: {import_openai_ms:.1f} ms")
    print(f"import easyllm_shim + patch() after it: {import_patch_ms:.1f} ms (target <= 50 ms)")


if __name__ == "__main__":
    main()

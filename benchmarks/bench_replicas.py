"""What replica selection costs a routed call (not part of the test run; the issue's budget: 2% client CPU).

Routed chat calls over loopback HTTP to TGI-protocol servers in their own processes, interleaved round
by round (this VM's speed drifts): one URL; three replica URLs that reach one server (127.0.0.1,
localhost, 127.1), which isolates what selection costs; three servers, which adds what spreading
calls over three processes costs the client on this 2-core VM (colder caches, more connections), as it
would for the SDK alone. Prints the median client CPU per call and the median of per-round ratios to
one URL, and exits non-zero if selection costs more than 2%. Also times `Replicas.choose` + `done`.

    python benchmarks/bench_replicas.py [--rounds N --calls N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import openai
from _server import ServerProcess

import easyllm_shim
from easyllm_shim._upstream.replicas import Replicas

MODEL = "meta-llama/Llama-2-7b-chat-hf"
REPLY = "Hello! I am Llama, a helpful assistant. How can I help you today?"
MESSAGES = [{"role": "user", "content": "Knock knock."}]
BUDGET = 1.02


def cpu_per_call(client: openai.OpenAI, calls: int) -> float:
    started = time.process_time()
    for _ in range(calls):
        client.chat.completions.create(model=MODEL, messages=MESSAGES)  # type: ignore[arg-type]
    return (time.process_time() - started) / calls


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=11)
    parser.add_argument("--calls", type=int, default=150)
    options = parser.parse_args()
    with ServerProcess(MODEL, REPLY) as a, ServerProcess(MODEL, REPLY) as b, ServerProcess(MODEL, REPLY) as c:
        same = [a.url, a.url.replace("127.0.0.1", "localhost"), a.url.replace("127.0.0.1", "127.1")]
        setups = {"one URL": [a.url], "three URLs, one server": same, "three servers": [a.url, b.url, c.url]}
        samples: dict[str, list[float]] = {name: [] for name in setups}
        for round_ in range(options.rounds):
            turn = round_ % len(setups)  # each goes first in turn
            for name, urls in [*setups.items()][turn:] + [*setups.items()][:turn]:
                easyllm_shim.patch(endpoints={MODEL: urls}, token="hf_bench")
                with openai.OpenAI(api_key="sk-bench", base_url="http://127.0.0.1:9/v1") as client:
                    cpu_per_call(client, 5)  # connections opened, first-call work done
                    samples[name].append(cpu_per_call(client, options.calls))
        easyllm_shim.unpatch()
    for name, values in samples.items():
        ratios = [many / one for one, many in zip(samples["one URL"], values, strict=True)]
        print(
            f"{name:>22}: {statistics.median(values) * 1e6:8.1f} µs client CPU per call,"
            f" {statistics.median(ratios):.3f}x one URL (median of {options.rounds} rounds)"
        )
    selection = statistics.median(
        many / one for one, many in zip(samples["one URL"], samples["three URLs, one server"], strict=True)
    )

    pool = Replicas(["http://a:1", "http://b:2", "http://c:3"])
    started = time.perf_counter()
    for _ in range(100_000):
        pool.done(pool.choose(), True)
    print(f"Replicas.choose + done: {(time.perf_counter() - started) * 10:.2f} µs")
    started = time.perf_counter()
    for _ in range(100_000):
        pool.done(pool.choose("user-7"), True)
    print(f"Replicas.choose + done with a session key: {(time.perf_counter() - started) * 10:.2f} µs")
    return 0 if selection <= BUDGET else 1


if __name__ == "__main__":
    sys.exit(main())

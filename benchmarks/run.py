"""easyllm-shim against the alternatives, in one run: client cost of routed calls, streams, async
throughput, pass-through and import + patch(). Not part of the test run.

    /work/venvs/bench/bin/python benchmarks/run.py            # full run, about ten minutes
    /work/venvs/bench/bin/python benchmarks/run.py --quick    # smoke run
    options: --rounds N --calls N --profile --plot PATH --litellm-hub-lookups

Needs benchmarks/requirements.txt. The TGI-protocol servers run in their own processes, so the
client's CPU (`time.process_time` of this process, all its threads) is measured alone. Each section
interleaves its candidates round by round and reports medians and the median of per-round ratios,
because this VM's speed drifts by ±50% within minutes. docs/benchmarks.md discusses the results.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from _calls import (
    INFERENCE_CLIENT,
    LITELLM_HF,
    LITELLM_OPENAI,
    OPENAI_COMPATIBLE_MODEL,
    PASS_PATCHED,
    PASS_UNPATCHED,
    SDK,
    SHIM,
    SHIM_OPENAI,
    canned_calls,
    passthrough_calls,
    routed_calls,
    shim_answers,
)
from _canned import Recording, record, with_shim_answers
from _measure import Samples, interleaved, median_cpu, median_wall, ratio
from _profile import compare
from _report import Target, header, plot, table, targets_table, throughput_table
from _server import ServerProcess
from _startup import import_and_patch, median
from _streams import canned_long_streams, concurrent_streams, long_streams

import easyllm_shim
from easyllm_shim._prompts import resolve_format

MODEL = "meta-llama/Llama-2-7b-chat-hf"
REPLY = "Hello! I am Llama, a helpful assistant. How can I help you today?"
MESSAGES = [
    {"role": "system", "content": "You are a helpful, respectful and honest assistant."},
    {"role": "user", "content": "Knock knock."},
]
STREAM_TOKENS = 2000  # 1,999 words and the EOS token
LONG_REPLY = " ".join(f"w{index % 97}" for index in range(STREAM_TOKENS - 1))
CONCURRENT_STREAMS = 256
CONCURRENT_TOKENS = 64
CANNED_BASE = "http://tgi.invalid"
ENDPOINTS = {SHIM: "/generate", SDK: "/v1/chat/completions", INFERENCE_CLIENT: "/v1/chat/completions"}
ENDPOINTS |= {SHIM_OPENAI: "/v1/chat/completions"}
ENDPOINTS |= {LITELLM_HF: "/v1/chat/completions", LITELLM_OPENAI: "/v1/chat/completions"}
ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Plan:
    rounds: int
    calls: int
    streams: int  # long streams per candidate per round
    concurrent_rounds: int
    import_runs: int


PLANS = {"full": Plan(11, 60, 2, 4, 21), "quick": Plan(2, 10, 1, 1, 5)}


def patch_state(api_base: str) -> Callable[[bool], None]:
    def set_patched(patched: bool) -> None:
        if patched:
            # The candidates' clients point at dead or canned base URLs of their own, not OpenAI's.
            endpoints = {OPENAI_COMPATIBLE_MODEL: f"{api_base}/v1"}
            easyllm_shim.patch(api_base=api_base, token="hf_bench", route_all_clients=True, endpoints=endpoints)
        else:
            easyllm_shim.unpatch()

    return set_patched


def _with_shim_answers(recording: Recording, canned_state: Callable[[bool], None]) -> Recording:
    canned_state(True)
    try:
        return with_shim_answers(recording, *shim_answers(recording, MODEL, MESSAGES))
    finally:
        canned_state(False)


def _cpu(samples: Samples, scale: float = 1.0, suffix: str = "") -> dict[str, float]:
    return {name + suffix: median_cpu(samples, name) * scale for name in samples}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a smoke run: few rounds, few calls")
    parser.add_argument("--rounds", type=int, help="rounds per section (default 11, quick 3)")
    parser.add_argument("--calls", type=int, help="calls per candidate per round (default 60, quick 10)")
    parser.add_argument("--profile", action="store_true", help="append CPU profiles of the canned candidates")
    parser.add_argument("--plot", type=Path, default=ROOT / "docs" / "benchmarks.png", help="PNG to write")
    parser.add_argument(
        "--litellm-hub-lookups", action="store_true", help="let LiteLLM's per-call Hub lookups reach DNS"
    )
    options = parser.parse_args()
    plan = PLANS["quick" if options.quick else "full"]
    rounds, calls = options.rounds or plan.rounds, options.calls or plan.calls
    prompt = resolve_format(MODEL, None).prompt(MESSAGES)
    canned_state = patch_state(CANNED_BASE)
    title = header("medians over interleaved rounds; servers in their own processes; client CPU of this process")
    print(title, flush=True)
    sections: list[str] = []

    def emit(text: str) -> None:
        sections.append(text)
        print("\n" + text, flush=True)

    with ServerProcess(MODEL, REPLY) as short, ServerProcess(MODEL, LONG_REPLY) as long:
        short_state, long_state = patch_state(short.url), patch_state(long.url)
        candidates = routed_calls(short.url, MODEL, MESSAGES, prompt, hub_lookups=options.litellm_hub_lookups)
        routed = interleaved(candidates, rounds, calls, short_state)
        notes = {name: ENDPOINTS.get(name, "/generate") for name in routed}
        emit(table("Routed chat call over loopback HTTP", routed, SDK, "call", notes))
        passthrough = interleaved(passthrough_calls(short.url, MESSAGES), rounds, calls, short_state)
        emit(table("Pass-through call over loopback HTTP (gpt-4o-mini)", passthrough, PASS_UNPATCHED, "call"))

        recording = _with_shim_answers(record(MODEL, REPLY, prompt, MESSAGES, None), canned_state)
        # Canned batches are short, so many more rounds: finer interleaving leaves drift less room.
        canned = interleaved(canned_calls(recording, MODEL, MESSAGES), rounds * 4, calls // 2, canned_state)
        emit(table("Same calls, canned transport (client CPU only, no socket)", canned, SDK, "call"))

        streams = interleaved(long_streams(long.url, MODEL, MESSAGES), rounds, plan.streams, long_state)
        emit(table(f"{STREAM_TOKENS:,}-token stream over loopback HTTP", streams, SDK, "chunk"))
        long_recording = _with_shim_answers(record(MODEL, LONG_REPLY, prompt, MESSAGES, None), canned_state)
        canned_long = canned_long_streams(long_recording, MODEL, MESSAGES)
        canned_streams = interleaved(canned_long, rounds * 2, 1, canned_state)
        emit(table(f"{STREAM_TOKENS:,}-token stream, canned, one event per read", canned_streams, SDK, "chunk"))

        many = concurrent_streams(long.url, MODEL, MESSAGES, CONCURRENT_STREAMS, CONCURRENT_TOKENS)
        concurrent = interleaved(many, plan.concurrent_rounds, 1, long_state)
        emit(
            throughput_table(
                f"Async: {CONCURRENT_STREAMS} concurrent streams of {CONCURRENT_TOKENS} tokens on one AsyncOpenAI"
                f" client ({plan.concurrent_rounds} rounds)",
                concurrent,
                SDK,
                CONCURRENT_STREAMS,
            )
        )

    openai_ms, shim_ms = import_and_patch(plan.import_runs)
    emit(
        f"## Import\n\n`import openai`: {median(openai_ms):.1f} ms; `import easyllm_shim; easyllm_shim.patch()`"
        f" after it: {median(shim_ms):.1f} ms (medians of {plan.import_runs} fresh interpreters)"
    )
    targets = [
        Target("routed call CPU vs SDK on Messages API", ratio(routed, SHIM, SDK), 1.0, "x"),
        Target("routed call CPU vs SDK, canned", ratio(canned, SHIM, SDK), 1.0, "x"),
        Target("OpenAI-compatible upstream vs SDK straight at it", ratio(routed, SHIM_OPENAI, SDK), 1.02, "x"),
        Target("routed call CPU vs LiteLLM huggingface/", ratio(routed, SHIM, LITELLM_HF), 1 / 3, "x"),
        Target("routed call CPU vs LiteLLM openai/", ratio(routed, SHIM, LITELLM_OPENAI), 1 / 3, "x"),
        Target("stream CPU per chunk vs native", ratio(streams, SHIM, SDK), 1.2, "x"),
        Target("stream CPU per chunk vs native, canned", ratio(canned_streams, SHIM, SDK), 1.2, "x"),
        Target("pass-through CPU, patched vs not", ratio(passthrough, PASS_PATCHED, PASS_UNPATCHED), 1.03, "x"),
        Target("pass-through CPU, canned", ratio(canned, PASS_PATCHED, PASS_UNPATCHED), 1.03, "x"),
        Target("import easyllm_shim + patch()", median(shim_ms), 50.0, "ms"),
    ]
    emit(targets_table(targets))

    if options.profile:  # each shim candidate against the SDK reading the shim's own answer: the shim's work
        shim, _, replayed, unpatched, patched = canned_calls(recording, MODEL, MESSAGES)
        emit(compare("Routed call, canned", [shim, replayed], calls * 2, canned_state))
        emit(compare("Pass-through, canned", [patched, unpatched], calls * 2, canned_state))
        stream_pair = [canned_long[0], canned_long[2]]
        emit(compare("2,000-token stream, canned, per chunk", stream_pair, plan.streams * 5, canned_state))

    panels = {
        "routed call: client CPU ms": _cpu(routed),
        "routed call, canned: client CPU ms": _cpu(canned),
        f"{STREAM_TOKENS:,}-token stream: client CPU µs per chunk": {
            **_cpu(streams, 1e3, " (HTTP)"),
            **_cpu(canned_streams, 1e3, " (canned)"),
        },
        f"{CONCURRENT_STREAMS} concurrent streams: streams/s": {
            name: 1e3 / median_wall(concurrent, name) for name in concurrent
        },
        "import: ms": {"import openai": median(openai_ms), "easyllm-shim: import + patch()": median(shim_ms)},
    }
    first, second = title.splitlines()[:2]
    plot(options.plot, panels, targets, f"{first.lstrip('# ')}\n{second.lstrip('# ')}")
    print(f"\nplot written to {options.plot}")


if __name__ == "__main__":
    main()

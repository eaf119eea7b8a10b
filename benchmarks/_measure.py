"""Interleaved measurement: every candidate runs once per round, so a machine whose speed drifts by
±50% within a minute (this VM) slows all of them alike; ratios are taken within each round."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

# Background threads (LiteLLM's logging pool) finish their share of a batch before its CPU time is
# read; that wait counts toward the batch's CPU time but not its wall time.
_IDLE_POLL_SECONDS = 0.02
_IDLE_CPU_SECONDS = 0.001
_SETTLE_LIMIT_SECONDS = 2.0


@dataclass(frozen=True)
class Candidate:
    """`run()` does one unit of work (a call, a stream, a batch of streams) and returns how many
    items it produced (1 per call, chunks per stream); costs are reported per item."""

    name: str
    run: Callable[[], int]
    patched: bool = False


@dataclass(frozen=True)
class Sample:
    cpu_ms: float  # client CPU per item (every thread of this process; the server runs in another)
    wall_ms: float  # wall time per item
    items: int


Samples = dict[str, list[Sample]]


def _settled_cpu() -> float:
    """This process's CPU time, read once its background threads have gone idle."""
    deadline = time.perf_counter() + _SETTLE_LIMIT_SECONDS
    before = time.process_time()
    while time.perf_counter() < deadline:
        time.sleep(_IDLE_POLL_SECONDS)
        now = time.process_time()
        if now - before < _IDLE_CPU_SECONDS:
            return now
        before = now
    return before


def batch(candidate: Candidate, repeat: int, set_patched: Callable[[bool], None]) -> Sample:
    set_patched(candidate.patched)
    candidate.run()  # untimed: absorbs what `patch()` rebuilt (shadow client, backend)
    cpu, wall = time.process_time(), time.perf_counter()
    items = sum(candidate.run() for _ in range(repeat))
    wall = time.perf_counter() - wall
    cpu = _settled_cpu() - cpu
    return Sample(cpu / items * 1e3, wall / items * 1e3, items)


def interleaved(
    candidates: Sequence[Candidate], rounds: int, repeat: int, set_patched: Callable[[bool], None]
) -> Samples:
    """`rounds` rounds of `repeat` units per candidate, after one warm-up batch each. The order
    rotates every round so that no candidate always follows the same neighbour."""
    for candidate in candidates:
        batch(candidate, max(repeat // 4, 1), set_patched)
    samples: Samples = {candidate.name: [] for candidate in candidates}
    for index in range(rounds):
        shift = index % len(candidates)
        for candidate in [*candidates[shift:], *candidates[:shift]]:
            samples[candidate.name].append(batch(candidate, repeat, set_patched))
    set_patched(False)
    return samples


def median_cpu(samples: Samples, name: str) -> float:
    return statistics.median(sample.cpu_ms for sample in samples[name])


def median_wall(samples: Samples, name: str) -> float:
    return statistics.median(sample.wall_ms for sample in samples[name])


def ratio(samples: Samples, name: str, baseline: str, *, wall: bool = False) -> float:
    """Median of the per-round ratios: both were measured back to back, so drift cancels."""
    pairs = zip(samples[name], samples[baseline], strict=True)
    if wall:
        return statistics.median(a.wall_ms / b.wall_ms for a, b in pairs)
    return statistics.median(a.cpu_ms / b.cpu_ms for a, b in pairs)

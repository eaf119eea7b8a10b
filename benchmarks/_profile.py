"""Where the client's CPU goes, on the canned candidates (no sockets, no server): the client's code only.

cProfile with a CPU clock: a process descheduled by a neighbour's tests (this VM is shared) does not
distort it, as it does wall-clock samplers such as pyinstrument. Its per-call overhead inflates code
made of many small calls (the SDK's pydantic and typing work) more than the shim's, so read its
numbers as where the time goes, and the timed "SDK replaying the shim's answer" rows for how much.
"""

from __future__ import annotations

import cProfile
import pstats
import sysconfig
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from _measure import Candidate

_STDLIB = sysconfig.get_paths()["stdlib"]


def _bucket(filename: str) -> str:
    if filename.startswith("~") or filename.startswith("<"):
        return "builtins (C)"
    if "/easyllm_shim/" in filename:
        return "easyllm_shim"
    if "site-packages/" in filename:
        return filename.split("site-packages/", 1)[1].split("/", 1)[0].removesuffix(".py")
    if filename.startswith(_STDLIB):
        module = filename[len(_STDLIB) :].lstrip("/").split("/", 1)[0].removesuffix(".py")
        return f"stdlib {module}"
    return "other"


@dataclass(frozen=True)
class Profile:
    name: str
    items: int
    functions: dict[str, float]  # "package:function (file:line)" -> own CPU ms per item
    calls: dict[str, float]  # same key -> calls per item

    def packages(self) -> defaultdict[str, float]:
        totals: defaultdict[str, float] = defaultdict(float)
        for where, ms in self.functions.items():
            totals[where.split(":", 1)[0]] += ms
        return totals


def _summarise(name: str, profiler: cProfile.Profile, items: int) -> Profile:
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    functions: defaultdict[str, float] = defaultdict(float)
    calls: defaultdict[str, float] = defaultdict(float)
    for (filename, line, function), (_, count, own, _, _) in stats.items():
        where = f"{_bucket(filename)}:{function} ({filename.rsplit('/', 1)[-1]}:{line})"
        functions[where] += own * 1e3 / items
        calls[where] += count / items
    return Profile(name, items, dict(functions), dict(calls))


def interleaved_profiles(
    candidates: Sequence[Candidate], runs: int, set_patched: Callable[[bool], None], rounds: int = 5
) -> list[Profile]:
    """One cProfile per candidate, switched on for its turns only, in interleaved rounds like the timings
    (profiling one candidate after the other let this VM's drift show up as differences)."""
    profilers = [cProfile.Profile(time.process_time) for _ in candidates]
    items = [0] * len(candidates)
    for candidate in candidates:  # warm
        set_patched(candidate.patched)
        candidate.run()
    for _ in range(rounds):
        for index, candidate in enumerate(candidates):
            set_patched(candidate.patched)
            candidate.run()  # untimed: absorbs what `patch()` rebuilt
            profilers[index].enable()
            items[index] += sum(candidate.run() for _ in range(max(runs // rounds, 1)))
            profilers[index].disable()
    set_patched(False)
    return [_summarise(c.name, p, n) for c, p, n in zip(candidates, profilers, items, strict=True)]


def compare(title: str, candidates: Sequence[Candidate], runs: int, set_patched: Callable[[bool], None]) -> str:
    """Own CPU per item by package for each candidate, and the functions where the first one spends more
    than the second (markdown)."""
    measured = interleaved_profiles(candidates, runs, set_patched)
    totals = [p.packages() for p in measured]
    packages = sorted({name for total in totals for name in total}, key=lambda name: -totals[0][name])
    lines = [f"#### {title}: cProfile, CPU clock, own ms per item (profiler overhead included)", ""]
    lines.append("| package | " + " | ".join(p.name for p in measured) + " |")
    lines.append("|---|" + "---:|" * len(measured))
    for package in packages:
        if max(total[package] for total in totals) >= 0.001:
            lines.append(f"| {package} | " + " | ".join(f"{total[package]:.4f}" for total in totals) + " |")
    lines.append("| **total** | " + " | ".join(f"**{sum(total.values()):.4f}**" for total in totals) + " |")
    first, second = measured[0], measured[1]
    extra = {where: ms - second.functions.get(where, 0.0) for where, ms in first.functions.items()}
    heading = f"Largest extra own time, {first.name} over {second.name} (ms and calls per item):"
    lines += ["", heading, ""]
    for where, ms in sorted(extra.items(), key=lambda item: -item[1])[:15]:
        lines.append(f"    {ms:+8.4f} ms  {first.calls[where]:6.1f} calls  {where}")
    return "\n".join(lines)

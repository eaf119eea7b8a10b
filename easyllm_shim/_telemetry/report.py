"""`easyllm-shim report events.jsonl`: per arm, calls, errors, latency percentiles, TTFT and throughput.

An arm is (requested model, model the rules chose). Latency and throughput are over the calls that
succeeded; tokens per second is end to end (completion tokens over total latency).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PLOT_EXTRA = "pip install 'easyllm-shim[plot]'"

Event = Mapping[str, Any]


class PlotUnavailable(RuntimeError):
    """--plot without matplotlib."""


@dataclass(frozen=True)
class ArmStats:
    requested: str
    arm: str
    calls: int
    errors: int
    fallbacks: int
    latency_p50: float | None
    latency_p95: float | None
    ttft_p50: float | None
    tokens_per_second: float | None
    mean_completion_tokens: float | None

    @property
    def label(self) -> str:
        return f"{self.requested} -> {self.arm}"


def read_events(path: Path) -> tuple[list[Event], int]:
    """The events of a log, and how many lines were not events (a log cut short by a crash, say)."""
    events: list[Event] = []
    bad = 0
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if not line.strip():
                continue
            try:
                event = json.loads(line)
            except ValueError:
                bad += 1
                continue
            if _is_event(event):
                events.append(event)
            else:
                bad += 1
    return events, bad


def _is_event(value: object) -> bool:
    return isinstance(value, dict) and isinstance(value.get("requested"), str) and isinstance(value.get("arm"), str)


def by_arm(events: Iterable[Event]) -> dict[tuple[str, str], list[Event]]:
    groups: dict[tuple[str, str], list[Event]] = {}
    for event in events:
        groups.setdefault((event["requested"], event["arm"]), []).append(event)
    return dict(sorted(groups.items()))


def summarize(events: Iterable[Event]) -> list[ArmStats]:
    return [_stats(requested, arm, group) for (requested, arm), group in by_arm(events).items()]


def _stats(requested: str, arm: str, events: Sequence[Event]) -> ArmStats:
    ok = _ok(events)
    latencies = sorted(_numbers(ok, "latency_s"))
    timed = [event for event in ok if _number(event.get("completion_tokens")) and _number(event.get("latency_s"))]
    busy = sum(event["latency_s"] for event in timed)
    tokens = list(_numbers(ok, "completion_tokens"))
    return ArmStats(
        requested=requested,
        arm=arm,
        calls=len(events),
        errors=len(events) - len(ok),
        fallbacks=sum(1 for event in events if event.get("fallback")),
        latency_p50=percentile(latencies, 0.5),
        latency_p95=percentile(latencies, 0.95),
        ttft_p50=percentile(sorted(_numbers(ok, "ttft_s")), 0.5),
        tokens_per_second=sum(event["completion_tokens"] for event in timed) / busy if busy else None,
        mean_completion_tokens=sum(tokens) / len(tokens) if tokens else None,
    )


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _numbers(events: Iterable[Event], key: str) -> Iterable[float]:
    return (event[key] for event in events if _number(event.get(key)))


def percentile(ordered: Sequence[float], q: float) -> float | None:
    """Linear interpolation between closest ranks (numpy's default)."""
    if not ordered:
        return None
    position = (len(ordered) - 1) * q
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


_COLUMNS = ("calls", "error rate", "fallbacks", "p50 ms", "p95 ms", "TTFT p50 ms", "tokens/s", "mean tokens")


def format_table(stats: Sequence[ArmStats]) -> str:
    rows = [
        (
            arm.label,
            str(arm.calls),
            f"{arm.errors / arm.calls:.1%}",
            str(arm.fallbacks),
            _format(arm.latency_p50, 1000),
            _format(arm.latency_p95, 1000),
            _format(arm.ttft_p50, 1000),
            _format(arm.tokens_per_second),
            _format(arm.mean_completion_tokens),
        )
        for arm in stats
    ]
    header = ("requested -> arm", *_COLUMNS)
    table = [header, *rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    return "\n".join("  ".join(_cells(row, widths)) for row in table)


def _cells(row: Sequence[str], widths: Sequence[int]) -> list[str]:
    """The label left-aligned, the numbers right-aligned."""
    return [row[0].ljust(widths[0])] + [cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True)]


def _format(value: float | None, scale: float = 1) -> str:
    return "-" if value is None else f"{value * scale:.1f}"


def plot(events: Iterable[Event], out: Path) -> None:
    """Latency distributions per arm, as step histograms on shared bins, saved to `out` (a .png, .svg, .pdf)."""
    try:
        import matplotlib

        matplotlib.use("Agg")  # files only: no display needed
        import matplotlib.pyplot as plt
    except ImportError as error:
        raise PlotUnavailable(f"--plot needs matplotlib: {PLOT_EXTRA}") from error
    groups = by_arm(events)
    labels = [f"{requested} -> {arm}" for requested, arm in groups]
    latencies = [[value * 1000 for value in _numbers(_ok(group), "latency_s")] for group in groups.values()]
    values = [value for group in latencies for value in group] or [0.0]
    bins = [min(values) + (max(values) - min(values)) * i / 40 for i in range(41)] if max(values) > min(values) else 1
    figure, axes = plt.subplots(figsize=(9, 5))
    for label, group in zip(labels, latencies, strict=True):
        axes.hist(group, bins=bins, histtype="step", linewidth=1.5, label=f"{label} ({len(group)} calls)")
    axes.set_xlabel("latency (ms), calls that succeeded")
    axes.set_ylabel("calls")
    axes.set_title("easyllm-shim: latency per arm")
    axes.legend(fontsize="small")
    figure.savefig(out, dpi=120, bbox_inches="tight")
    plt.close(figure)


def _ok(events: Iterable[Event]) -> list[Event]:
    return [event for event in events if not event.get("error")]


def report(path: Path, plot_to: Path | None = None) -> str:
    """The text report; also draws the plot when asked. Raises OSError for an unreadable log."""
    events, bad = read_events(path)
    if not events:
        return f"{path}: no events"
    text = format_table(summarize(events))
    if bad:
        text += f"\n({bad} line(s) that are not events were skipped)"
    if plot_to is not None:
        plot(events, plot_to)
        text += f"\nlatency plot: {plot_to}"
    return text

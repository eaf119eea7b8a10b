"""`easyllm-shim report events.jsonl`: per arm and mode, calls, errors, latency percentiles, TTFT and throughput.

An arm is (requested model, model the rules chose); its streamed and plain calls are reported apart,
as their latencies measure different things (a stream's runs to its last chunk). Latency and
throughput are over the calls that succeeded; tokens per second is end to end (completion tokens over
total latency). Values that cannot be measurements (negative, not finite, not numbers) are left out.
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
    mode: str  # "plain" or "stream"
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
    with path.open("rb") as lines:
        for line in lines:
            if not line.strip():
                continue
            try:
                event = json.loads(line.decode("utf-8"))
            except ValueError:  # invalid UTF-8 and JSON alike (UnicodeDecodeError is a ValueError)
                bad += 1
                continue
            if _is_event(event):
                events.append(event)
            else:
                bad += 1
    return events, bad


def _is_event(value: object) -> bool:
    return isinstance(value, dict) and isinstance(value.get("requested"), str) and isinstance(value.get("arm"), str)


def by_arm(events: Iterable[Event]) -> dict[tuple[str, str, str], list[Event]]:
    """The events of each (requested, arm, mode), in that order."""
    groups: dict[tuple[str, str, str], list[Event]] = {}
    for event in events:
        groups.setdefault((event["requested"], event["arm"], _mode(event)), []).append(event)
    return dict(sorted(groups.items()))


def _mode(event: Event) -> str:
    return "stream" if event.get("stream") is True else "plain"


def summarize(events: Iterable[Event]) -> list[ArmStats]:
    return [_stats(requested, arm, mode, group) for (requested, arm, mode), group in by_arm(events).items()]


def _stats(requested: str, arm: str, mode: str, events: Sequence[Event]) -> ArmStats:
    ok = _ok(events)
    latencies = sorted(_numbers(ok, "latency_s"))
    timed = [event for event in ok if _number(event.get("completion_tokens")) and _number(event.get("latency_s"))]
    busy = sum(event["latency_s"] for event in timed)
    tokens = list(_numbers(ok, "completion_tokens"))
    return ArmStats(
        requested=requested,
        arm=arm,
        mode=mode,
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
    """A measurement: a finite, non-negative number (an integer too large for a float is not one)."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return False
    try:
        return math.isfinite(value) and value >= 0
    except OverflowError:
        return False


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


_COLUMNS = ("mode", "calls", "error rate", "fallbacks", "p50 ms", "p95 ms", "TTFT p50 ms", "tokens/s", "mean tokens")


def format_table(stats: Sequence[ArmStats]) -> str:
    rows = [
        (
            arm.label,
            arm.mode,
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
    """The label and the mode left-aligned, the numbers right-aligned."""
    text = [row[0].ljust(widths[0]), row[1].ljust(widths[1])]
    return text + [cell.rjust(width) for cell, width in zip(row[2:], widths[2:], strict=True)]


def _format(value: float | None, scale: float = 1) -> str:
    return "-" if value is None else f"{value * scale:.1f}"


def plot(events: Iterable[Event], out: Path) -> None:
    """Latency per arm as empirical CDFs, plain calls and streams side by side, p50 and p95 marked, saved
    to `out` (a .png, .svg or .pdf). A CDF per arm reads at a glance where histograms hide each other."""
    try:
        import matplotlib

        matplotlib.use("Agg")  # files only: no display needed
        import matplotlib.pyplot as plt
    except ImportError as error:
        raise PlotUnavailable(f"--plot needs matplotlib: {PLOT_EXTRA}") from error
    groups = by_arm(events)
    modes = [mode for mode in ("plain", "stream") if any(key[2] == mode for key in groups)] or ["plain"]
    arms = sorted({(requested, arm) for requested, arm, _ in groups})
    colours = {arm: f"C{index % 10}" for index, arm in enumerate(arms)}
    figure, panels = plt.subplots(1, len(modes), figsize=(6.5 * len(modes), 4.8), squeeze=False, sharey=True)
    for panel, mode in zip(panels[0], modes, strict=True):
        for (requested, arm, group_mode), group in groups.items():
            if group_mode != mode:
                continue
            latencies = sorted(value * 1000 for value in _numbers(_ok(group), "latency_s"))
            if not latencies:
                continue
            colour = colours[(requested, arm)]
            shares = [(index + 1) / len(latencies) for index in range(len(latencies))]
            p50, p95 = percentile(latencies, 0.5), percentile(latencies, 0.95)
            label = f"{requested} -> {arm}: {len(latencies)} calls, p50 {p50:.0f} ms, p95 {p95:.0f} ms"
            panel.step(latencies, shares, where="post", color=colour, linewidth=1.8, label=label)
            panel.plot([p50, p95], [0.5, 0.95], color=colour, marker="o", markersize=6, linestyle="none")
        panel.set_title("streamed calls (to the last chunk)" if mode == "stream" else "plain calls")
        panel.set_xlabel("latency (ms), calls that succeeded")
        panel.grid(True, alpha=0.3)
        panel.legend(fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.14))  # below: hides no curve
    panels[0][0].set_ylabel("share of calls at or below")
    for row in panels[0]:
        row.axhline(0.5, color="grey", linewidth=0.6, linestyle=":")
        row.axhline(0.95, color="grey", linewidth=0.6, linestyle=":")
    figure.suptitle("easyllm-shim: latency per arm (dots: p50 and p95)")
    figure.savefig(out, dpi=120, bbox_inches="tight")
    plt.close(figure)


def _ok(events: Iterable[Event]) -> list[Event]:
    return [event for event in events if not event.get("error")]


def per_replica(events: Iterable[Event]) -> list[Event]:
    """The events with each arm split by the replica that served it (`arm @ url`), where one is named."""
    return [
        {**event, "arm": f"{event['arm']} @ {event['replica']}"} if isinstance(event.get("replica"), str) else event
        for event in events
    ]


def report(path: Path, plot_to: Path | None = None, by_replica: bool = False) -> str:
    """The text report; also draws the plot when asked. Raises OSError for an unreadable log."""
    events, bad = read_events(path)
    if by_replica:
        events = per_replica(events)
    if not events:
        return f"{path}: no events"
    text = format_table(summarize(events))
    if bad:
        text += f"\n({bad} line(s) that are not events were skipped)"
    if plot_to is not None:
        plot(events, plot_to)
        text += f"\nlatency plot: {plot_to}"
    return text

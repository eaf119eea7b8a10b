"""The printed report (markdown tables, ratios, targets) and the PNG plot."""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from _measure import Samples, median_cpu, median_wall, ratio

PACKAGES = ("openai", "httpx2", "httpx", "huggingface_hub", "litellm", "requests", "easyllm-shim")


@dataclass(frozen=True)
class Target:
    what: str
    measured: float
    limit: float
    unit: str  # "x" for ratios, "ms" for times

    @property
    def met(self) -> bool:
        return self.measured <= self.limit

    def row(self) -> str:
        shown = f"{self.measured:.3f}x" if self.unit == "x" else f"{self.measured:.1f} ms"
        limit = f"≤ {self.limit:.3g}x" if self.unit == "x" else f"≤ {self.limit:g} ms"
        return f"| {self.what} | {shown} | {limit} | {'met' if self.met else '**missed**'} |"


def _version(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "-"


def machine() -> str:
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        cpuinfo = []
    model = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), None)
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    cpu = model or platform.machine()
    return f"{cpu}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}, load average {load}"


def header(rounds_note: str) -> str:
    versions = ", ".join(f"{name} {_version(name)}" for name in PACKAGES)
    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return "\n".join(
        [
            f"# easyllm-shim benchmarks, {now}",
            f"# {machine()}",
            f"# Python {platform.python_version()}; {versions}",
            f"# {rounds_note}",
        ]
    )


def table(title: str, samples: Samples, baseline: str, unit: str, notes: dict[str, str] | None = None) -> str:
    scale, label = (1e3, "µs") if unit == "chunk" else (1.0, "ms")
    lines = [
        f"## {title}",
        "",
        f"| candidate | client CPU {label}/{unit} | wall {label}/{unit} | CPU vs baseline | wall vs baseline |",
    ]
    lines.append("|---|---:|---:|---:|---:|")
    for name in samples:
        cpu, wall = median_cpu(samples, name) * scale, median_wall(samples, name) * scale
        cpu_ratio, wall_ratio = ratio(samples, name, baseline), ratio(samples, name, baseline, wall=True)
        shown = f"{name} ({notes[name]})" if notes and name in notes else name
        lines.append(f"| {shown} | {cpu:.3f} | {wall:.3f} | {cpu_ratio:.3f}x | {wall_ratio:.3f}x |")
    first = samples[baseline]
    lines.append(
        f"\nbaseline: {baseline}; {len(first)} rounds of {first[0].items:,} {unit}s per candidate;"
        " ratios are medians of per-round ratios"
    )
    return "\n".join(lines)


def throughput_table(title: str, samples: Samples, baseline: str, streams: int) -> str:
    lines = [
        f"## {title}",
        "",
        "| candidate | wall s per batch | streams/s | client CPU ms/stream | wall vs baseline |",
    ]
    lines.append("|---|---:|---:|---:|---:|")
    for name in samples:
        wall_s = median_wall(samples, name) * streams / 1e3
        wall_ratio = ratio(samples, name, baseline, wall=True)
        lines.append(
            f"| {name} | {wall_s:.2f} | {streams / wall_s:.0f} | {median_cpu(samples, name):.3f} | {wall_ratio:.3f}x |"
        )
    return "\n".join(lines)


def targets_table(targets: list[Target]) -> str:
    lines = ["## Targets", "", "| target | measured | limit | verdict |", "|---|---:|---:|---|"]
    return "\n".join(lines + [target.row() for target in targets])


def plot(path: Path, panels: dict[str, dict[str, float]], targets: list[Target], subtitle: str) -> None:
    """Bar charts, one panel per measurement, and the targets as measured/limit."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    count = len(panels) + 1
    columns = 3
    rows = -(-count // columns)
    figure, axes = plt.subplots(rows, columns, figsize=(6 * columns, 3.6 * rows), squeeze=False)
    flat = list(axes.flat)
    for axis, (title, values) in zip(flat, panels.items(), strict=False):
        names = list(values)
        colours = ["tab:orange" if name.startswith("easyllm-shim") else "tab:blue" for name in names]
        axis.barh(names, [values[name] for name in names], color=colours)
        axis.invert_yaxis()
        axis.set_title(title, fontsize=10)
        axis.tick_params(axis="y", labelsize=8)
    axis = flat[len(panels)]
    shares = [target.measured / target.limit for target in targets]
    axis.barh([t.what for t in targets], shares, color=["tab:green" if t.met else "tab:red" for t in targets])
    axis.axvline(1.0, color="black", linewidth=1)
    axis.invert_yaxis()
    axis.set_title("targets: measured / limit (≤ 1 is met)", fontsize=10)
    axis.tick_params(axis="y", labelsize=8)
    for axis in flat[count:]:
        axis.axis("off")
    figure.suptitle(subtitle, fontsize=10)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)

"""`easyllm-shim report events.jsonl`: per arm, calls, error rate, latency percentiles, TTFT and throughput."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from easyllm_shim._cli.main import main
from easyllm_shim._telemetry.report import percentile, summarize

from ..conftest import LLAMA
from .conftest import ABRun, served


def test_the_report_names_both_arms_with_their_calls_streamed_and_plain_apart(
    ab_run: ABRun, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", str(ab_run.log)]) == 0

    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:6] == ["requested", "->", "arm", "mode", "calls", "error"]
    rows = {(line.split()[2], line.split()[3]): line.split() for line in lines[1:]}
    assert set(rows) == {(model, mode) for model in (LLAMA, "gpt-4o-mini") for mode in ("plain", "stream")}
    for model in (LLAMA, "gpt-4o-mini"):
        assert sum(int(rows[model, mode][4]) for mode in ("plain", "stream")) == served(ab_run.results).count(model)
    assert all(row[5] == "0.0%" for row in rows.values())


def event(arm: str, latency: float, **fields: object) -> dict[str, object]:
    return {"requested": "gpt-4o-mini", "arm": arm, "latency_s": latency, "error": None, **fields}


def test_statistics_per_arm() -> None:
    events = [
        event(LLAMA, 1.0, ttft_s=0.2, completion_tokens=10),
        event(LLAMA, 2.0, ttft_s=0.4, completion_tokens=30),
        event(LLAMA, 9.0, error="APIConnectionError: Connection error.", fallback=True),
        event(LLAMA, 3.0, completion_tokens=20, fallback=True),
        event("gpt-4o-mini", 0.5, completion_tokens=5),
    ]

    [openai_arm, llama_arm] = summarize(events)  # all plain: no `stream` field

    assert (llama_arm.calls, llama_arm.errors, llama_arm.fallbacks) == (4, 1, 2)
    assert llama_arm.latency_p50 == 2.0  # the failed call is left out
    assert llama_arm.latency_p95 == pytest.approx(2.9)
    assert llama_arm.ttft_p50 == pytest.approx(0.3)
    assert llama_arm.tokens_per_second == pytest.approx(60 / 6)
    assert llama_arm.mean_completion_tokens == 20
    assert (openai_arm.label, openai_arm.calls, openai_arm.ttft_p50) == ("gpt-4o-mini -> gpt-4o-mini", 1, None)
    assert (openai_arm.mode, llama_arm.mode) == ("plain", "plain")


def test_streamed_and_plain_calls_of_an_arm_are_summarised_apart() -> None:
    events = [event(LLAMA, 1.0), event(LLAMA, 3.0), event(LLAMA, 8.0, stream=True, ttft_s=0.5)]

    plain, streamed = summarize(events)

    assert (plain.mode, plain.calls, plain.latency_p50, plain.ttft_p50) == ("plain", 2, 2.0, None)
    assert (streamed.mode, streamed.calls, streamed.latency_p50, streamed.ttft_p50) == ("stream", 1, 8.0, 0.5)


def test_values_that_cannot_be_measurements_are_left_out() -> None:
    events = [event(LLAMA, -5.0), event(LLAMA, 10**400), event(LLAMA, 2.0, completion_tokens=-3), event(LLAMA, 4.0)]

    [arm] = summarize(events)

    assert (arm.calls, arm.latency_p50, arm.mean_completion_tokens) == (4, 3.0, None)


def test_percentiles_interpolate_between_ranks() -> None:
    assert percentile([], 0.5) is None
    assert percentile([4.0], 0.95) == 4.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5
    assert percentile([float(n) for n in range(1, 101)], 0.95) == pytest.approx(95.05)


def test_lines_that_are_not_events_are_counted_not_fatal(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = tmp_path / "events.jsonl"
    good = json.dumps(event(LLAMA, 1.0)).encode()
    huge = b'{"requested": "a", "arm": "b", "latency_s": 1' + b"0" * 5000 + b"}"  # past Python's int digits
    log.write_bytes(good + b'\n{"requested": "cut sh\n[]\n\xff\xfe not UTF-8\n' + huge + b"\n")

    assert main(["report", str(log)]) == 0

    out = capsys.readouterr().out
    assert f"gpt-4o-mini -> {LLAMA}" in out
    assert "4 line(s) that are not events were skipped" in out


def test_a_missing_log_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", str(tmp_path / "missing.jsonl")]) == 2
    assert "missing.jsonl" in capsys.readouterr().err


def test_plot_without_matplotlib_says_which_extra_to_install(
    ab_run: ABRun, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # as if not installed

    assert main(["report", str(ab_run.log), "--plot", str(tmp_path / "latency.png")]) == 2

    assert "pip install 'easyllm-shim[plot]'" in capsys.readouterr().err
    assert not (tmp_path / "latency.png").exists()


def test_plot_draws_the_latency_distributions(ab_run: ABRun, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    out = tmp_path / "latency.png"

    assert main(["report", str(ab_run.log), "--plot", str(out)]) == 0

    assert out.read_bytes().startswith(b"\x89PNG")


def test_the_log_recorded_by_the_readme_walkthrough_reports_both_arms_in_both_modes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # docs/ab-report.png is drawn from this log (issue 17); the report must still read it.
    log = Path(__file__).resolve().parents[2] / "docs" / "ab-events.jsonl"

    assert main(["report", str(log)]) == 0

    rows = [line.split() for line in capsys.readouterr().out.splitlines()[1:]]
    assert [(row[2], row[3]) for row in rows] == [
        ("gpt-4o-mini", "plain"),
        ("gpt-4o-mini", "stream"),
        (LLAMA, "plain"),
        (LLAMA, "stream"),
    ]
    assert sum(int(row[4]) for row in rows) == len(log.read_text().splitlines()) == 40


def test_by_replica_splits_an_arm_by_the_replica_that_served(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "events.jsonl"
    base = {"requested": LLAMA, "arm": LLAMA, "stream": False, "latency_s": 0.1, "error": None, "fallback": False}
    events = [{**base, "replica": f"http://tgi-{n % 2}:80"} for n in range(6)] + [{**base, "replica": None}]
    log.write_text("".join(json.dumps(event) + "\n" for event in events))

    assert main(["report", str(log), "--by-replica"]) == 0

    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith(LLAMA)]
    assert [row.split()[:5] for row in rows] == [
        [LLAMA, "->", LLAMA, "plain", "1"],
        [LLAMA, "->", LLAMA, "@", "http://tgi-0:80"],
        [LLAMA, "->", LLAMA, "@", "http://tgi-1:80"],
    ]

"""The README's offline A/B walkthrough, run exactly as written (issue 17): no key, no network beyond loopback."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from ..conftest import LLAMA
from .conftest import _INHERITED_NOT

ROOT = Path(__file__).resolve().parents[2]
HEADING = "### The A/B loop, offline (no OpenAI key)"


def walkthrough() -> str:
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index(HEADING) :]
    found = re.search(r"```bash\n(.*?)```", section, re.DOTALL)
    assert found is not None
    return found.group(1)


def test_the_readme_ab_walkthrough_runs_offline_and_reports_both_arms(tmp_path: Path) -> None:
    script = walkthrough()
    plotting = importlib.util.find_spec("matplotlib") is not None
    if not plotting:  # only the plot step needs the extra
        [plot_line] = [line for line in script.splitlines() if "--plot" in line]
        script = script.replace(plot_line + "\n", "")
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    environment = {name: value for name, value in os.environ.items() if not name.startswith(_INHERITED_NOT)}
    environment["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), environment.get("PATH", "")])
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), environment.get("PYTHONPATH")]))

    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    app_lines = [line.split() for line in done.stdout.splitlines() if "calls served by" in line]
    assert {line[-1] for line in app_lines} == {"gpt-4o-mini", LLAMA}
    events = [json.loads(line) for line in (tmp_path / "events.jsonl").read_text().splitlines()]
    assert len(events) == 40
    assert {event["backend"] for event in events} == {"openai", "tgi"}
    assert all(event["error"] is None for event in events)
    rows = [line.split() for line in done.stdout.splitlines() if line.startswith("gpt-4o-mini -> ")]
    assert {(row[2], row[3]) for row in rows} == {
        (arm, mode) for arm in ("gpt-4o-mini", LLAMA) for mode in ("plain", "stream")
    }
    assert sum(int(row[4]) for row in rows) == len(events) * (2 if plotting else 1)  # --plot prints the table too
    if plotting:
        assert (tmp_path / "ab-report.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

"""The examples run as documented: offline, against a local TGI-protocol server."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        ("one_line_patch.py", "Paris is the capital of France."),
        ("structured_output.py", "get_weather"),
        ("easyllm_client.py", 'ChatCompletion "Who\'s there?"'),
    ],
)
def test_example_runs_offline(script: str, expected: str) -> None:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("HUGGINGFACE_", "HF_", "OPENAI_"))}
    result = subprocess.run(
        [sys.executable, script], cwd=EXAMPLES, env=environment, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert expected in result.stdout

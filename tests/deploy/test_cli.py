"""The `easyllm-shim` command's own help and version, as a user runs them."""

from __future__ import annotations

import subprocess
import sys

import easyllm_shim


def cli(*arguments: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "easyllm_shim", *arguments]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)


def test_version_names_the_installed_release() -> None:
    done = cli("--version")

    assert (done.returncode, done.stdout.strip()) == (0, f"easyllm-shim {easyllm_shim.__version__}")


def test_help_gives_each_command_a_one_line_description() -> None:
    done = cli("--help")

    lines = {line.split()[0]: line for line in done.stdout.splitlines() if line.startswith("    ")}
    assert done.returncode == 0
    assert set(lines) >= {"demo", "report", "run", "doctor"}
    assert all(len(lines[name].split()) > 3 for name in ("demo", "report", "run", "doctor"))


def test_doctors_help_says_what_its_exit_codes_mean() -> None:
    done = cli("doctor", "--help")

    assert done.returncode == 0
    assert "exit codes:" in done.stdout
    assert "  0  the configuration is valid" in done.stdout
    assert "  1  an endpoint failed its check" in done.stdout
    assert "  2  the configuration is invalid" in done.stdout

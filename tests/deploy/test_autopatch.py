"""EASYLLM_AUTOPATCH=1 and `easyllm-shim run`: an unmodified program, patched from its first `import openai`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from easyllm_shim._autopatch import PTH_NAME, pth_installed
from easyllm_shim.testing import TGIServer

from ..conftest import HF_TOKEN, LLAMA
from ..interpreters import PTH_SOURCE, python_with_the_pth
from ..openai_standin import OpenAIStandIn
from .conftest import fresh_env

# The program knows nothing of easyllm_shim: what serves it is decided by the environment alone.
PROGRAM = f"""
import json, sys
imported_early = sorted(name for name in ("openai", "easyllm_shim") if name in sys.modules)
import openai
client = openai.OpenAI(max_retries=0)
completion = client.chat.completions.create(model={LLAMA!r}, messages=[{{"role": "user", "content": "Hi"}}])
print(json.dumps({{"imported_early": imported_early, "model": completion.model,
                  "content": completion.choices[0].message.content}}))
sys.exit(3)
"""


@pytest.fixture
def program(tmp_path: Path) -> Path:
    path = tmp_path / "app.py"
    path.write_text(PROGRAM)
    return path


def test_autopatch_patches_a_program_that_never_imports_easyllm_shim(
    tgi: TGIServer, openai_api: OpenAIStandIn, program: Path, tmp_path: Path
) -> None:
    env = fresh_env(openai_api.url, EASYLLM_AUTOPATCH="1", HUGGINGFACE_API_BASE=tgi.url, HF_TOKEN=HF_TOKEN)

    done = subprocess.run([*python_with_the_pth(tmp_path), str(program)], env=env, capture_output=True, text=True)

    assert done.returncode == 3, done.stderr
    assert json.loads(done.stdout) == {
        "imported_early": ["easyllm_shim"],  # the .pth's tiny module; openai waits for the program
        "model": LLAMA,
        "content": "Hello there!",
    }
    assert openai_api.requests == []


def test_run_starts_an_unmodified_program_patched_and_returns_its_exit_code(
    tgi: TGIServer, openai_api: OpenAIStandIn, program: Path, tmp_path: Path
) -> None:
    env = fresh_env(openai_api.url, HUGGINGFACE_API_BASE=tgi.url, HF_TOKEN=HF_TOKEN)
    command = [sys.executable, "-m", "easyllm_shim", "run", "--", *python_with_the_pth(tmp_path), str(program)]

    done = subprocess.run(command, env=env, capture_output=True, text=True)

    assert done.returncode == 3, done.stderr
    assert json.loads(done.stdout)["content"] == "Hello there!"


@pytest.mark.parametrize(("value", "imported"), [(None, []), ("", []), ("0", []), ("1", ["easyllm_shim"])])
def test_the_pth_line_imports_nothing_unless_asked_and_never_openai(
    tmp_path: Path, value: str | None, imported: list[str]
) -> None:
    env = fresh_env("http://127.0.0.1:9/v1", **({} if value is None else {"EASYLLM_AUTOPATCH": value}))
    probe = tmp_path / "probe.py"
    probe.write_text('import json, sys\nprint(json.dumps(sorted({"openai", "easyllm_shim"} & set(sys.modules))))\n')

    done = subprocess.run([*python_with_the_pth(tmp_path), str(probe)], env=env, capture_output=True, text=True)

    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == imported


def test_a_malformed_switch_is_reported_at_start(tmp_path: Path) -> None:
    env = fresh_env("http://127.0.0.1:9/v1", EASYLLM_AUTOPATCH="maybe")
    probe = tmp_path / "probe.py"
    probe.write_text("print('ran')\n")

    done = subprocess.run([*python_with_the_pth(tmp_path), str(probe)], env=env, capture_output=True, text=True)

    assert "ConfigError: EASYLLM_AUTOPATCH: 'maybe' is not a switch; use 1 or 0" in done.stderr
    assert done.stdout == "ran\n"  # `site` reports a failing .pth line and goes on, unpatched


def test_the_pth_is_one_import_line_behind_an_environment_check() -> None:
    lines = [line for line in PTH_SOURCE.read_text().splitlines() if not line.startswith("#")]

    assert len(lines) == 1
    assert lines[0].startswith('import os; os.environ.get("EASYLLM_AUTOPATCH", "0") not in ("", "0") and ')


def test_the_installed_pth_is_the_project_one() -> None:
    if not pth_installed():
        pytest.skip(f"{PTH_NAME} is not installed here (an editable install made before it existed)")
    import site

    [installed] = [Path(d) / PTH_NAME for d in site.getsitepackages() if (Path(d) / PTH_NAME).is_file()]
    assert installed.read_text() == PTH_SOURCE.read_text()


def test_a_projects_pytest_with_warnings_as_errors_starts_under_autopatch(tmp_path: Path) -> None:
    """Issue 15: the .pth imports easyllm_shim at start-up and the package registers a pytest plugin, so pytest
    warned that it could not rewrite the already imported package (PytestAssertRewriteWarning), an error there."""
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text('[tool.pytest.ini_options]\nfilterwarnings = ["error"]\n')
    (project / "test_app.py").write_text("def test_arithmetic():\n    assert 1 + 1 == 2\n")
    runner = tmp_path / "run_pytest.py"
    runner.write_text("import sys, pytest\nsys.exit(pytest.main(['-q', '-p', 'no:cacheprovider', sys.argv[1]]))\n")
    env = fresh_env("http://127.0.0.1:9/v1", EASYLLM_AUTOPATCH="1")

    command = [*python_with_the_pth(tmp_path), str(runner), str(project)]
    done = subprocess.run(command, env=env, cwd=project, capture_output=True, text=True)

    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout

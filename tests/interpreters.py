"""Fresh interpreters that start as an installed easyllm-shim makes them: with its autopatch .pth."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from easyllm_shim._autopatch import PTH_NAME, pth_installed

PTH_SOURCE = Path(__file__).parents[1] / "easyllm_shim" / "_autopatch.pth"
# Where the wheel is installed (tox) its .pth is in site-packages. An editable install made before the
# .pth existed lacks it; there the program starts through this, which processes the project's own .pth
# exactly as `site` does at start-up.
BOOT = """
import runpy, site, sys
site.addsitedir(sys.argv[1])
sys.argv = sys.argv[2:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


def python_with_the_pth(tmp_path: Path) -> list[str]:
    """The command that starts a Python program with the .pth processed at start."""
    if pth_installed():
        return [sys.executable]
    site_dir = tmp_path / "site-packages"
    site_dir.mkdir()
    shutil.copy(PTH_SOURCE, site_dir / PTH_NAME)
    boot = tmp_path / "boot.py"
    boot.write_text(BOOT)
    return [sys.executable, str(boot), str(site_dir)]

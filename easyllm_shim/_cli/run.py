"""`easyllm-shim run -- python app.py`: an unmodified program, patched from its first `import openai`.

The program runs as a child process with EASYLLM_AUTOPATCH=1, which the installed .pth turns into a
post-import hook (`_autopatch`); its exit code becomes ours. The configuration is checked here first,
so a bad EASYLLM_* value is reported before the program starts.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from .._autopatch import PTH_NAME, pth_installed
from .._child import run_child
from .._config.settings import Config, ConfigError, env_flag


def run(command: Sequence[str]) -> int:
    command = list(command[1:] if command[:1] == ["--"] else command)
    if not command:
        print("easyllm-shim run: give the program to run, e.g. easyllm-shim run -- python app.py", file=sys.stderr)
        return 2
    try:
        if not env_flag("EASYLLM_DISABLE"):
            Config.from_sources()
    except ConfigError as error:
        print(f"easyllm-shim run: {error}", file=sys.stderr)
        return 2
    if not pth_installed():
        print(
            f"easyllm-shim run: warning: {PTH_NAME} is not in this environment's site-packages (an editable"
            " install made before it existed?); reinstall easyllm-shim, or the program runs unpatched",
            file=sys.stderr,
        )
    return run_child("easyllm-shim run", command, {"EASYLLM_AUTOPATCH": "1"})

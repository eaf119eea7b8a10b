"""Patching at interpreter start with no code change: EASYLLM_AUTOPATCH=1, like `opentelemetry-instrument`.

The wheel installs `easyllm_shim_autopatch.pth` (a copy of `_autopatch.pth` in this package) into
site-packages. Its one line runs at every interpreter start and, only when the variable is set,
imports this module and calls `install()`; otherwise it costs one environment lookup. `install()`
defers `patch()` to a post-import hook on `openai`, so openai is never imported early and programs
that never use it pay nothing more.
"""

from __future__ import annotations

import site
from pathlib import Path
from types import ModuleType

from ._config.settings import env_flag

PTH_NAME = "easyllm_shim_autopatch.pth"


def install() -> None:
    """Patch when openai is imported (at once if it already is), if EASYLLM_AUTOPATCH is on."""
    if not env_flag("EASYLLM_AUTOPATCH"):
        return
    import wrapt

    wrapt.register_post_import_hook(_patch, "openai")


def _patch(_openai: ModuleType) -> None:
    # A bad EASYLLM_* value raises ConfigError here, at `import openai`: the program fails at start
    # with the variable named, rather than run with a configuration nobody meant.
    from ._patch import patch

    patch()


def pth_installed() -> bool:
    """Whether this interpreter's site-packages has the .pth (editable installs made before it existed do not)."""
    directories = [*site.getsitepackages(), site.getusersitepackages()]
    return any((Path(directory) / PTH_NAME).is_file() for directory in directories)

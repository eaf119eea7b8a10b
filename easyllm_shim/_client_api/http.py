"""httpx or httpx2: openai 3.x builds on httpx2, earlier majors on httpx, and callers may pass either.

A shadow client must speak the same package as the caller's HTTP client whose pool it shares, so
the package is chosen per client, never globally. httpx2 is a fork with httpx's API, so type hints
use httpx2's types for both (the lint env has openai 3.x).
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType

_PACKAGES = ("httpx", "httpx2")


def module_of(client: object) -> ModuleType:
    """The HTTP package an httpx-style client belongs to (the SDK's wrappers subclass the package's classes)."""
    for cls in type(client).__mro__:
        root = cls.__module__.partition(".")[0]
        if root in _PACKAGES:
            return sys.modules[root]
    return sdk_default()


def sdk_default() -> ModuleType:
    """The package the installed openai SDK builds its default clients on."""
    import openai._base_client as base

    module = getattr(base, "httpx2", None)
    return module if isinstance(module, ModuleType) else importlib.import_module("httpx")


__all__ = ["module_of", "sdk_default"]

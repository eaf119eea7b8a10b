"""openai 0.28's module-level API (`openai.ChatCompletion.create`, ...). See docs/design.md."""

from __future__ import annotations

from .._targets import Target

# Filled by the openai 0.28 support (issue 6): what `patch()` wraps when openai < 1 is installed.
TARGETS_V0: tuple[Target, ...] = ()

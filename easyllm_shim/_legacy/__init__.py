"""openai 0.28's module-level API (`openai.ChatCompletion.create`, ...). See docs/legacy.md."""

from __future__ import annotations

from .._targets import Target
from ._create import routed

# What `patch()` wraps when openai < 1 is installed: each resource with the OpenAI route it calls.
TARGETS_V0: tuple[Target, ...] = tuple(
    row
    for resource, path in (
        ("ChatCompletion", "/chat/completions"),
        ("Completion", "/completions"),
        ("Embedding", "/embeddings"),
    )
    for row in (
        Target("openai", f"{resource}.create", routed(path, asynchronous=False)),
        Target("openai", f"{resource}.acreate", routed(path, asynchronous=True)),
    )
)

"""openai 0.28's module-level API (`openai.ChatCompletion.create`, ...). See docs/legacy.md."""

from __future__ import annotations

from .._targets import Target
from ._chat import chat_completion_acreate, chat_completion_create

# What `patch()` wraps when openai < 1 is installed. `Completion` and `Embedding` stay unwrapped
# (untouched) until the shim can route text completions and embeddings (issue 6).
TARGETS_V0: tuple[Target, ...] = (
    Target("openai", "ChatCompletion.create", chat_completion_create),
    Target("openai", "ChatCompletion.acreate", chat_completion_acreate),
)

"""EasyLLM-compatible prompt builders (``easyllm.prompt_utils`` 0.6.2 names), plus the chat-format API.

``build_<family>_prompt(messages)`` returns the full prompt (leading BOS included where the format has
one); ``PROMPT_MAPPING`` maps names to builders; ``build_prompt(messages, name_or_callable)`` dispatches.
Where these differ from EasyLLM 0.6.2, and why, is listed in docs/prompts.md.
"""

from __future__ import annotations

from .._prompts import (
    MODEL_FAMILIES,
    ChatFormat,
    PromptError,
    clear_format_cache,
    fetch_chat_template,
    register_chat_template,
    resolve_format,
)
from .._prompts import compat as _compat
from .._prompts.compat import *  # noqa: F403 (the builder names are listed once, in compat.__all__)

__all__ = [
    "MODEL_FAMILIES",
    "ChatFormat",
    "PromptError",
    "clear_format_cache",
    "fetch_chat_template",
    "register_chat_template",
    "resolve_format",
]
__all__ += _compat.__all__

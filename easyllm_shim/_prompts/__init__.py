"""Chat prompt formats: build the raw ``/generate`` prompt for a conversation, chosen by model.

The upstream (`_upstream/upstream.py`) calls ``resolve_format(model, override)``, then ``.prompt(messages)``
and ``.stop``.
User-facing prose is in docs/prompts.md; the EasyLLM-compatible surface is ``easyllm_shim.prompt_utils``.
"""

from __future__ import annotations

from .discovery import fetch_chat_template, register_chat_template
from .errors import PromptError
from .families import FAMILIES
from .formats import ChatFormat
from .markers import MarkerGuard
from .messages import Turn
from .registry import MODEL_FAMILIES
from .resolve import clear_format_cache, custom_format, known_format, resolve_format
from .roles import RoleRules

__all__ = [
    "FAMILIES",
    "MODEL_FAMILIES",
    "ChatFormat",
    "MarkerGuard",
    "PromptError",
    "RoleRules",
    "Turn",
    "clear_format_cache",
    "custom_format",
    "fetch_chat_template",
    "known_format",
    "register_chat_template",
    "resolve_format",
]

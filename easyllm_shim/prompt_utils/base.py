"""EasyLLM's ``easyllm.prompt_utils.base``: ``build_prompt`` and the separator-less ``buildBasePrompt``."""

from __future__ import annotations

from .._prompts.compat import build_prompt
from .._prompts.errors import PromptError
from .._prompts.messages import Messages, normalize

__all__ = ["buildBasePrompt", "build_prompt"]


def buildBasePrompt(messages: Messages) -> str:
    """EasyLLM's fallback prompt, exactly: turns joined with no separators and no assistant cue.

    ``SYS`` + ``USER: {text}`` + ``ASSISTANT: {text}`` ...; the client never uses it (it picks a format
    by model), it is here for code that calls it.
    """
    parts: list[str] = []
    for index, turn in enumerate(normalize(messages, "base")):
        if turn.role == "system":
            parts.append(turn.content)
        elif turn.role == "user":
            parts.append(f"USER: {turn.content.strip()}")
        elif turn.role == "assistant":
            parts.append(f"ASSISTANT: {turn.content}")
        else:
            raise PromptError.at(index, turn.role, "base", f"the base prompt has no {turn.role!r} turns")
    return "".join(parts)

"""Which role sequences a chat format accepts, checked before anything is rendered."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .errors import PromptError
from .messages import Turn

__all__ = ["ALTERNATING", "FREE_ORDER", "TEMPLATE_DECIDES", "RoleRules", "check_roles"]


@dataclass(frozen=True)
class RoleRules:
    """Role constraints of one chat format.

    ``alternate``: after an optional system message, user and assistant strictly alternate starting
    with user (the Llama 2 and Mistral templates ``raise_exception`` otherwise).
    ``system_first_only``: a system message may only be ``messages[0]``.
    ``end_on_user``: the last message must be a user message, since the prompt ends with the assistant cue.
    ``tools``: tool/function messages are allowed (only formats with a documented convention).
    """

    alternate: bool = False
    system_first_only: bool = True
    end_on_user: bool = True
    tools: bool = False


ALTERNATING = RoleRules(alternate=True)
FREE_ORDER = RoleRules()
# Chat templates validate for themselves (raise_exception); we only reject what no template can render.
TEMPLATE_DECIDES = RoleRules(system_first_only=False, end_on_user=False, tools=True)


def check_roles(turns: Sequence[Turn], rules: RoleRules, chat_format: str, display: str) -> None:
    """Raise PromptError naming the first message that breaks ``rules``."""
    expect_user = True
    for index, turn in enumerate(turns):
        role = turn.role
        if role == "system":
            if index != 0 and rules.system_first_only:
                raise PromptError.at(index, role, chat_format, "role 'system' is only allowed as the first message")
            continue
        if role in ("tool", "function") and not rules.tools:
            # EasyLLM's wording ("<Model> does not support function calls.") is kept inside ours.
            what = "function calls" if role == "function" else "tool messages"
            raise PromptError.at(
                index, role, chat_format, f"role '{role}' is not supported: {display} does not support {what}."
            )
        if rules.alternate:
            if (role == "user") != expect_user:
                expected = "user" if expect_user else "assistant"
                raise PromptError.at(
                    index,
                    role,
                    chat_format,
                    f"expected role '{expected}', got '{role}': roles must alternate user/assistant/user/...",
                )
            expect_user = not expect_user
    last = turns[-1].role
    if rules.end_on_user and last != "user":
        raise PromptError.at(
            len(turns) - 1, last, chat_format, f"the conversation must end with a user message, not '{last}'"
        )

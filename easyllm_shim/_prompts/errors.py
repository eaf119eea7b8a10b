"""The one exception a chat format raises for a conversation it cannot render."""

from __future__ import annotations

__all__ = ["PromptError"]


class PromptError(ValueError):
    """Conversation not valid for a chat format.

    The message names the offending index, role and format, e.g.
    ``"messages[2]: role 'system' is only allowed as the first message (llama2)"``.
    ``index`` and ``role`` are ``None`` when the problem is not tied to one message (an empty list).
    """

    index: int | None
    role: str | None
    chat_format: str | None

    def __init__(
        self,
        message: str,
        *,
        index: int | None = None,
        role: str | None = None,
        chat_format: str | None = None,
    ) -> None:
        super().__init__(message)
        self.index = index
        self.role = role
        self.chat_format = chat_format

    @classmethod
    def at(cls, index: int | None, role: str | None, chat_format: str, detail: str) -> PromptError:
        """Build the standard ``messages[i]: detail (format)`` error."""
        where = "messages" if index is None else f"messages[{index}]"
        return cls(f"{where}: {detail} ({chat_format})", index=index, role=role, chat_format=chat_format)

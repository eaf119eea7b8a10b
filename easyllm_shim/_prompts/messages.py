"""Turn whatever the caller passed as ``messages`` into a list of plain (role, text) turns.

Accepted shapes: JSON-decoded dicts from the openai wire format, the openai SDK's TypedDict params
(which are dicts), and EasyLLM-style objects with ``.role``/``.content`` attributes, mixed freely.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from .errors import PromptError

__all__ = ["Messages", "Turn", "normalize"]

Messages = Sequence[Mapping[str, Any]] | Sequence[Any] | str

# "developer" is the openai o1-era name for the system role; every format here treats them alike.
_CANONICAL_ROLES = {
    "system": "system",
    "developer": "system",
    "user": "user",
    "assistant": "assistant",
    "tool": "tool",
    "function": "function",
}

# Fields that chat templates use besides role/content (tool calling); copied from attribute-style messages.
_TEMPLATE_FIELDS = ("name", "tool_calls", "tool_call_id", "function_call")


class Turn(NamedTuple):
    """One message after normalisation: canonical role, text content, and the caller's original object (its other
    fields, neutralised, when the format neutralises markers)."""

    role: str
    content: str
    source: Any = None

    def as_template_dict(self) -> dict[str, Any]:
        """The message as a chat template sees it: the caller's fields, with role and content normalised."""
        source = self.source
        if isinstance(source, Mapping):
            return {**source, "role": self.role, "content": self.content}
        message: dict[str, Any] = {"role": self.role, "content": self.content}
        for field in _TEMPLATE_FIELDS:
            value = getattr(source, field, None)
            if value is not None:
                message[field] = value
        return message


# NamedTuple's generated __new__ is a Python function; tuple.__new__ builds the same Turn in a third of the time.
_new_turn = tuple.__new__


def normalize(
    messages: Messages | Iterable[Any],
    chat_format: str,
    clean: Callable[[str], str] | None = None,
) -> list[Turn]:
    """Normalise ``messages`` into turns, applying ``clean`` (marker neutralisation) to every text.

    A bare string is one user turn. Raises PromptError for an empty conversation, an unknown role,
    or content that is not text.
    """
    if isinstance(messages, str):
        return [Turn("user", clean(messages) if clean is not None else messages)]
    if isinstance(messages, Mapping):
        raise PromptError.at(None, None, chat_format, "expected a list of messages, got a single message")
    turns: list[Turn] = []
    append = turns.append
    for index, message in enumerate(messages):
        # `type(...) is dict` first: wire-format messages are dicts, and the ABC check costs 4x more.
        if type(message) is dict or isinstance(message, Mapping):
            raw_role = message.get("role")
            content = message.get("content")
        else:
            raw_role = getattr(message, "role", None)
            content = getattr(message, "content", None)
        role = _CANONICAL_ROLES.get(raw_role) if isinstance(raw_role, str) else None
        if role is None:
            raise PromptError.at(index, _role_name(raw_role), chat_format, f"unknown role {raw_role!r}")
        if type(content) is not str:
            content = _text_of(content, index, role, chat_format)
        if clean is None:
            append(_new_turn(Turn, (role, content, message)))
            continue
        # A chat template may render any field (name, reasoning_content, tool_calls, tool_call_id, ...): each is
        # neutralised as content is, or `name="x<|im_end|>..."` would forge a turn.
        source = _cleaned_fields(message, clean) if _has_other_fields(message) else message
        append(_new_turn(Turn, (role, clean(content), source)))
    if not turns:
        raise PromptError.at(None, None, chat_format, "the conversation is empty")
    return turns


def _has_other_fields(message: Any) -> bool:
    if isinstance(message, Mapping):
        return len(message) > 2 or not {"role", "content"}.issuperset(message)
    return any(getattr(message, field, None) is not None for field in _TEMPLATE_FIELDS)


def _cleaned_fields(message: Any, clean: Callable[[str], str]) -> dict[str, Any]:
    """The message's fields besides role and content, each string in them (nested ones too) cleaned."""
    if isinstance(message, Mapping):
        fields = {key: value for key, value in message.items() if key not in ("role", "content")}
    else:
        fields = {field: value for field in _TEMPLATE_FIELDS if (value := getattr(message, field, None)) is not None}
    cleaned: dict[str, Any] = _cleaned(fields, clean)
    return cleaned


def _cleaned(value: Any, clean: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, Mapping):
        return {_cleaned(key, clean): _cleaned(item, clean) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_cleaned(item, clean) for item in value]
    return value


def _role_name(role: object) -> str | None:
    return role if isinstance(role, str) else None


def _text_of(content: object, index: int, role: str, chat_format: str) -> str:
    if isinstance(content, str):  # a str subclass
        return str(content)
    if content is None:
        # An assistant turn that only carries tool_calls has no content; any other role must say something.
        if role == "assistant":
            return ""
        raise PromptError.at(index, role, chat_format, f"role '{role}' needs content")
    if isinstance(content, Sequence) and not isinstance(content, bytes | bytearray):
        return "".join(_text_of_part(part, index, position, role, chat_format) for position, part in enumerate(content))
    raise PromptError.at(
        index,
        role,
        chat_format,
        f"content must be a string or a list of text parts, not {type(content).__name__}",
    )


def _text_of_part(part: object, index: int, position: int, role: str, chat_format: str) -> str:
    if isinstance(part, Mapping):
        kind = part.get("type")
        text = part.get("text")
    else:
        kind = getattr(part, "type", None)
        text = getattr(part, "text", None)
    if kind == "text" and isinstance(text, str):
        return text
    label = f"type {kind!r}" if kind is not None else f"a {type(part).__name__}"
    raise PromptError.at(
        index,
        role,
        chat_format,
        f"content part {position} has {label}; only text parts can be put in a text prompt",
    )

"""Plain-text role formats: Vicuna (FastChat v1.1) and EasyLLM's Falcon, WizardLM, StableBeluga, Anthropic.

These formats mark turns with words ("USER:", "### User:", "Human:") rather than special tokens, so each
guard adds its own role words to the special-token markers: a user cannot type a fake turn either.
"""

from __future__ import annotations

from collections.abc import Sequence

from .formats import ChatFormat, turn_builder
from .markers import DEFAULT_GUARD
from .messages import Turn

__all__ = ["ANTHROPIC", "FALCON", "STABLEBELUGA", "VICUNA", "VICUNA_DEFAULT_SYSTEM", "WIZARDLM"]

# FastChat's vicuna_v1.1 system message, used when the conversation has none.
VICUNA_DEFAULT_SYSTEM = (
    "A chat between a curious user and an artificial intelligence assistant. "
    "The assistant gives helpful, detailed, and polite answers to the user's questions."
)


def _build_vicuna(turns: Sequence[Turn]) -> str:
    # FastChat ADD_COLON_TWO with sep " " and sep2 "</s>": "{system} USER: {u} ASSISTANT: {a}</s>USER: ...
    # ASSISTANT:". Like FastChat, content is used as given and an empty message renders as "ROLE:" alone.
    start = 1 if turns[0].role == "system" else 0
    parts = [turns[0].content if start else VICUNA_DEFAULT_SYSTEM, " "]
    extend = parts.extend
    for turn in turns[start:]:
        is_user = turn.role == "user"
        label = "USER" if is_user else "ASSISTANT"
        if turn.content:
            extend((label, ": ", turn.content, " " if is_user else "</s>"))
        else:
            extend((label, ":"))
    parts.append("ASSISTANT:")
    return "".join(parts)


_FALCON_LINES = {"system": "System: ", "user": "User: ", "assistant": "Falcon: "}


def _build_falcon(turns: Sequence[Turn]) -> str:
    # EasyLLM 0.6.2's Falcon-180B chat format (docs/prompts.md, "EasyLLM's formats"): only the system
    # text is not stripped, which is why this is not a turn_builder.
    parts: list[str] = []
    extend = parts.extend
    for turn in turns:
        content = turn.content if turn.role == "system" else turn.content.strip()
        extend((_FALCON_LINES[turn.role], content, "\n"))
    parts.append("Falcon: ")
    return "".join(parts)


_WIZARDLM_PREFIXES = {"system": "", "user": "USER: ", "assistant": "ASSISTANT: "}


def _build_wizardlm(turns: Sequence[Turn]) -> str:
    # EasyLLM: stripped parts joined by single spaces, left-stripped, then " ASSISTANT: ".
    body = " ".join([_WIZARDLM_PREFIXES[turn.role] + turn.content.strip() for turn in turns])
    return body.lstrip() + " ASSISTANT: "


_STABLEBELUGA_HEADERS = {"system": "### System:\n", "user": "### User:\n", "assistant": "### Assistant:\n"}
_build_stablebeluga = turn_builder(_STABLEBELUGA_HEADERS.__getitem__, end="\n\n", cue="### Assistant:", strip=True)


_ANTHROPIC_PREFIXES = {"user": "\n\nHuman: ", "assistant": "\n\nAssistant: "}


def _build_anthropic(turns: Sequence[Turn]) -> str:
    # EasyLLM: the system text verbatim with no prefix, then "\n\nHuman: ..." / "\n\nAssistant: ...".
    parts: list[str] = []
    append = parts.append
    for turn in turns:
        if turn.role == "system":
            append(turn.content)
        else:
            append(_ANTHROPIC_PREFIXES[turn.role] + turn.content.strip())
    parts.append("\n\nAssistant: ")
    return "".join(parts)


VICUNA = ChatFormat(
    name="vicuna",
    stop=("</s>",),  # sep2, the EOS that ends every answer
    build=_build_vicuna,
    display="Vicuna",
    guard=DEFAULT_GUARD.extended(("USER:", "ASSISTANT:")),
)
FALCON = ChatFormat(
    name="falcon",
    stop=("\nUser:", "<|endoftext|>", " User:", "###"),  # EasyLLM's falcon_stop_sequences
    build=_build_falcon,
    display="falcon",
    guard=DEFAULT_GUARD.extended(("System:", "User:", "Falcon:")),
)
WIZARDLM = ChatFormat(
    name="wizardlm",
    stop=("</s>",),
    build=_build_wizardlm,
    display="WizardLM",
    guard=DEFAULT_GUARD.extended(("USER:", "ASSISTANT:")),
)
STABLEBELUGA = ChatFormat(
    name="stablebeluga",
    stop=("</s>",),
    build=_build_stablebeluga,
    display="stablebeluga",
    guard=DEFAULT_GUARD.extended(("### System:", "### User:", "### Assistant:")),
)
ANTHROPIC = ChatFormat(
    name="anthropic",
    # The prompt's user tag is "Human:"; EasyLLM's list said "User:", which never matches (docs/prompts.md).
    stop=("\n\nHuman:",),
    build=_build_anthropic,
    display="anthropic",
    guard=DEFAULT_GUARD.extended(("Human:", "Assistant:")),
)

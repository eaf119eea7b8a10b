"""Llama 2, Llama 3 and Mistral/Mixtral Instruct: the formats with published templates (see docs/prompts.md)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from .formats import ChatFormat, turn_builder
from .messages import Turn
from .roles import ALTERNATING, FREE_ORDER

__all__ = ["LLAMA2", "LLAMA3", "MISTRAL", "MIXTRAL"]

_B_SYS, _E_SYS = "<<SYS>>\n", "\n<</SYS>>\n\n"


def _split_system(turns: Sequence[Turn]) -> tuple[str | None, Sequence[Turn]]:
    if turns[0].role == "system":
        return turns[0].content, turns[1:]
    return None, turns


def _system_merged(turns: Sequence[Turn], before: str, after: str) -> Iterator[tuple[str, str]]:
    # These templates have no system turn: its text, between `before` and `after`, goes in front of the
    # first message after it.
    system, rest = _split_system(turns)
    for position, turn in enumerate(rest):
        if position == 0 and system is not None:
            yield turn.role, before + system + after + turn.content
        else:
            yield turn.role, turn.content


def _build_llama2(turns: Sequence[Turn]) -> str:
    # Meta's chat template: the merged system + first user text is strip()ped as a whole; each user turn
    # opens with BOS, each answer is " {answer} </s>".
    parts: list[str] = []
    append = parts.append
    for role, content in _system_merged(turns, _B_SYS, _E_SYS):
        if role == "user":
            append("<s>[INST] " + content.strip() + " [/INST]")
        else:
            append(" " + content.strip() + " </s>")
    return "".join(parts)


# Llama 3 Instruct: every message is a header block with trimmed content ending in <|eot_id|>.
_build_llama3 = turn_builder(
    lambda role: f"<|start_header_id|>{role}<|end_header_id|>\n\n",
    end="<|eot_id|>",
    cue="<|start_header_id|>assistant<|end_header_id|>\n\n",
    strip=True,
    start="<|begin_of_text|>",
)


def _mistral_format(name: str, display: str, after_eos: str) -> ChatFormat:
    # Mistral Instruct: "[INST] {user} [/INST]{answer}</s>" with content as given. v0.1 puts a space after
    # </s>, Mixtral does not. The templates refuse a system role; like the common workaround we put the
    # system text, a blank line, then the first user message inside the first [INST].
    def build(turns: Sequence[Turn]) -> str:
        parts = ["<s>"]
        append = parts.append
        for role, content in _system_merged(turns, "", "\n\n"):
            if role == "user":
                append("[INST] " + content + " [/INST]")
            else:
                append(content + "</s>" + after_eos)
        return "".join(parts)

    # The template ends answers with eos_token "</s>"; "[INST]" is the same defensive stop as Llama 2's.
    return ChatFormat(name=name, stop=("</s>", "[INST]"), build=build, bos="<s>", rules=ALTERNATING, display=display)


LLAMA2 = ChatFormat(
    name="llama2",
    # "</s>" is the EOS; "[INST]" catches a model that goes on to write the next user turn itself.
    stop=("</s>", "[INST]"),
    build=_build_llama2,
    bos="<s>",
    rules=ALTERNATING,
    display="Llama 2",
)

LLAMA3 = ChatFormat(
    name="llama3",
    # <|eot_id|> ends each message; <|end_of_text|> ends the whole text.
    stop=("<|eot_id|>", "<|end_of_text|>"),
    build=_build_llama3,
    bos="<|begin_of_text|>",
    rules=FREE_ORDER,
    display="Llama 3",
)

MISTRAL = _mistral_format("mistral", "Mistral", after_eos=" ")
MIXTRAL = _mistral_format("mixtral", "Mixtral", after_eos="")

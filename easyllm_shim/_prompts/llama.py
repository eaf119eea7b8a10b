"""Llama 2, Llama 3 and Mistral/Mixtral Instruct: the formats with published templates (tgi-protocol.md §9)."""

from __future__ import annotations

from collections.abc import Sequence

from .formats import Builder, ChatFormat
from .messages import Turn
from .roles import ALTERNATING, FREE_ORDER

__all__ = ["LLAMA2", "LLAMA3", "MISTRAL", "MIXTRAL"]

_B_SYS, _E_SYS = "<<SYS>>\n", "\n<</SYS>>\n\n"


def _split_system(turns: Sequence[Turn]) -> tuple[str | None, Sequence[Turn]]:
    if turns[0].role == "system":
        return turns[0].content, turns[1:]
    return None, turns


def _build_llama2(turns: Sequence[Turn]) -> str:
    # Meta's chat template (§9.1): the system block is merged into the first user turn, then the merged
    # text is strip()ped as a whole; each user turn opens with BOS, each answer is " {answer} </s>".
    system, rest = _split_system(turns)
    parts: list[str] = []
    append = parts.append
    for position, turn in enumerate(rest):
        content = turn.content
        if position == 0 and system is not None:
            content = _B_SYS + system + _E_SYS + content
        if turn.role == "user":
            append("<s>[INST] " + content.strip() + " [/INST]")
        else:
            append(" " + content.strip() + " </s>")
    return "".join(parts)


def _build_llama3(turns: Sequence[Turn]) -> str:
    # Llama 3 Instruct (§9.2): every message is a header block with trimmed content ending in <|eot_id|>.
    parts = ["<|begin_of_text|>"]
    extend = parts.extend
    for turn in turns:
        extend(("<|start_header_id|>", turn.role, "<|end_header_id|>\n\n", turn.content.strip(), "<|eot_id|>"))
    parts.append("<|start_header_id|>assistant<|end_header_id|>\n\n")
    return "".join(parts)


def _mistral_builder(after_eos: str) -> Builder:
    # Mistral Instruct (§9.2): "[INST] {user} [/INST]{answer}</s>" with content as given. v0.1 puts a space
    # after </s>, Mixtral does not. The templates have no system role; like the common workaround we put
    # the system text, a blank line, then the first user message inside the first [INST].
    def build(turns: Sequence[Turn]) -> str:
        system, rest = _split_system(turns)
        parts = ["<s>"]
        append = parts.append
        for position, turn in enumerate(rest):
            content = turn.content
            if position == 0 and system is not None:
                content = system + "\n\n" + content
            if turn.role == "user":
                append("[INST] " + content + " [/INST]")
            else:
                append(content + "</s>" + after_eos)
        return "".join(parts)

    return build


LLAMA2 = ChatFormat(
    name="llama2",
    # §9.1: stop on EOS, and defensively on "</s>" and "[INST]".
    stop=("</s>", "[INST]"),
    build=_build_llama2,
    bos="<s>",
    rules=ALTERNATING,
    display="Llama 2",
)

LLAMA3 = ChatFormat(
    name="llama3",
    # §9.2: stop on <|eot_id|> as well as <|end_of_text|>.
    stop=("<|eot_id|>", "<|end_of_text|>"),
    build=_build_llama3,
    bos="<|begin_of_text|>",
    rules=FREE_ORDER,
    display="Llama 3",
)

MISTRAL = ChatFormat(
    name="mistral",
    # The template ends answers with eos_token "</s>"; "[INST]" is the same defensive stop as Llama 2's.
    stop=("</s>", "[INST]"),
    build=_mistral_builder(after_eos=" "),
    bos="<s>",
    rules=ALTERNATING,
    display="Mistral",
)

MIXTRAL = ChatFormat(
    name="mixtral",
    stop=("</s>", "[INST]"),
    build=_mistral_builder(after_eos=""),
    bos="<s>",
    rules=ALTERNATING,
    display="Mixtral",
)

"""Formats built from ``<|role|>`` tags: ChatML, Zephyr, HF ChatML (StarChat / Falcon) and Open Assistant."""

from __future__ import annotations

from collections.abc import Sequence

from .formats import ChatFormat
from .messages import Turn

__all__ = ["CHATML", "CHATML_FALCON", "CHATML_STARCHAT", "OPEN_ASSISTANT", "ZEPHYR", "hf_chatml"]


def _build_chatml(turns: Sequence[Turn]) -> str:
    # tgi-protocol.md §9.2 (OpenHermes, Qwen, dolphin): content as given, no BOS.
    parts: list[str] = []
    extend = parts.extend
    for turn in turns:
        extend(("<|im_start|>", turn.role, "\n", turn.content, "<|im_end|>\n"))
    parts.append("<|im_start|>assistant\n")
    return "".join(parts)


def _build_zephyr(turns: Sequence[Turn]) -> str:
    # §9.2, as transformers renders zephyr-7b-beta's template: "<|role|>\n{content}</s>\n" per message.
    parts: list[str] = []
    extend = parts.extend
    for turn in turns:
        extend(("<|", turn.role, "|>\n", turn.content, "</s>\n"))
    parts.append("<|assistant|>\n")
    return "".join(parts)


def hf_chatml(name: str, eos: str, display: str = "HF ChatML") -> ChatFormat:
    """EasyLLM's HF ChatML (``build_chatml_hf_prompt``): ``<|role|>\\n{stripped}{eos}\\n``, ending ``<|assistant|>``."""

    def build(turns: Sequence[Turn]) -> str:
        parts: list[str] = []
        extend = parts.extend
        for turn in turns:
            extend(("<|", turn.role, "|>\n", turn.content.strip(), eos, "\n"))
        parts.append("<|assistant|>")
        return "".join(parts)

    return ChatFormat(name=name, stop=(eos,), build=build, display=display)


_OPEN_ASSISTANT_TAGS = {"system": "<|system|>", "user": "<|prompter|>", "assistant": "<|assistant|>"}


def _build_open_assistant(turns: Sequence[Turn]) -> str:
    # EasyLLM's format (easyllm-0.6.2.md §2.2): "{tag}{stripped}</s>" per message, ending "<|assistant|>".
    parts: list[str] = []
    extend = parts.extend
    for turn in turns:
        extend((_OPEN_ASSISTANT_TAGS[turn.role], turn.content.strip(), "</s>"))
    parts.append("<|assistant|>")
    return "".join(parts)


CHATML = ChatFormat(name="chatml", stop=("<|im_end|>",), build=_build_chatml, display="ChatML")
ZEPHYR = ChatFormat(name="zephyr", stop=("</s>",), build=_build_zephyr, display="Zephyr")
CHATML_STARCHAT = hf_chatml("chatml_starchat", "<|end|>")
CHATML_FALCON = hf_chatml("chatml_falcon", "<|endoftext|>")
OPEN_ASSISTANT = ChatFormat(
    name="open_assistant", stop=("</s>",), build=_build_open_assistant, display="Open Assistant"
)

"""Formats built from ``<|role|>`` tags: ChatML, Zephyr, HF ChatML (StarChat / Falcon) and Open Assistant."""

from __future__ import annotations

from .formats import ChatFormat, turn_builder

__all__ = ["CHATML", "CHATML_FALCON", "CHATML_STARCHAT", "OPEN_ASSISTANT", "ZEPHYR", "hf_chatml"]

# ChatML as OpenHermes, Qwen and dolphin use it: content as given, no BOS.
_build_chatml = turn_builder(lambda role: f"<|im_start|>{role}\n", end="<|im_end|>\n", cue="<|im_start|>assistant\n")

# As transformers renders zephyr-7b-beta's template: "<|role|>\n{content}</s>\n" per message.
_build_zephyr = turn_builder(lambda role: f"<|{role}|>\n", end="</s>\n", cue="<|assistant|>\n")


def hf_chatml(name: str, eos: str, display: str = "HF ChatML") -> ChatFormat:
    """EasyLLM's HF ChatML (``build_chatml_hf_prompt``): ``<|role|>\\n{stripped}{eos}\\n``, ending ``<|assistant|>``."""
    build = turn_builder(lambda role: f"<|{role}|>\n", end=eos + "\n", cue="<|assistant|>", strip=True)
    return ChatFormat(name=name, stop=(eos,), build=build, display=display)


# EasyLLM 0.6.2's format (docs/prompts.md, "EasyLLM's formats"): "{tag}{stripped}</s>" per message.
_OPEN_ASSISTANT_TAGS = {"system": "<|system|>", "user": "<|prompter|>", "assistant": "<|assistant|>"}
_build_open_assistant = turn_builder(_OPEN_ASSISTANT_TAGS.__getitem__, end="</s>", cue="<|assistant|>", strip=True)

CHATML = ChatFormat(name="chatml", stop=("<|im_end|>",), build=_build_chatml, display="ChatML")
ZEPHYR = ChatFormat(name="zephyr", stop=("</s>",), build=_build_zephyr, display="Zephyr")
CHATML_STARCHAT = hf_chatml("chatml_starchat", "<|end|>")
CHATML_FALCON = hf_chatml("chatml_falcon", "<|endoftext|>")
OPEN_ASSISTANT = ChatFormat(
    name="open_assistant", stop=("</s>",), build=_build_open_assistant, display="Open Assistant"
)

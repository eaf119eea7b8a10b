"""Every built-in chat format by name; the names are also EasyLLM's PROMPT_MAPPING keys."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from .chatml import CHATML, CHATML_FALCON, CHATML_STARCHAT, OPEN_ASSISTANT, ZEPHYR
from .formats import ChatFormat
from .llama import LLAMA2, LLAMA3, MISTRAL, MIXTRAL
from .plain import ANTHROPIC, FALCON, STABLEBELUGA, VICUNA, WIZARDLM

__all__ = ["DEFAULT_FAMILY", "FAMILIES"]

FAMILIES: Mapping[str, ChatFormat] = MappingProxyType(
    {
        chat_format.name: chat_format
        for chat_format in (
            LLAMA2,
            LLAMA3,
            MISTRAL,
            MIXTRAL,
            CHATML,
            ZEPHYR,
            VICUNA,
            FALCON,
            CHATML_FALCON,
            CHATML_STARCHAT,
            OPEN_ASSISTANT,
            STABLEBELUGA,
            WIZARDLM,
            ANTHROPIC,
        )
    }
)

# What an unknown model gets: the models this library is for are mostly Llama 2 chat fine-tunes.
DEFAULT_FAMILY = LLAMA2

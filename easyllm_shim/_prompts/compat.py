"""EasyLLM 0.6.2's prompt-builder API (``easyllm.prompt_utils``), backed by the chat formats.

Public through ``easyllm_shim.prompt_utils``. Builders return ``render()``: the full prompt with the
leading BOS where the format has one, as EasyLLM's llama2 builder did.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Protocol

from .chatml import CHATML, CHATML_FALCON, CHATML_STARCHAT, OPEN_ASSISTANT, ZEPHYR, hf_chatml
from .families import FAMILIES
from .formats import ChatFormat
from .llama import LLAMA2, LLAMA3, MISTRAL, MIXTRAL
from .messages import Messages
from .plain import ANTHROPIC, FALCON, STABLEBELUGA, VICUNA, WIZARDLM

# EasyLLM's names (and the builders it lacked), all re-exported by easyllm_shim.prompt_utils.
__all__ = [
    "PROMPT_MAPPING",
    "anthropic_stop_sequences",
    "build_anthropic_prompt",
    "build_chatml_falcon_prompt",
    "build_chatml_hf_prompt",
    "build_chatml_prompt",
    "build_chatml_starchat_prompt",
    "build_falcon_prompt",
    "build_llama2_prompt",
    "build_llama3_prompt",
    "build_mistral_prompt",
    "build_mixtral_prompt",
    "build_open_assistant_prompt",
    "build_prompt",
    "build_stablebeluga_prompt",
    "build_vicuna_prompt",
    "build_wizardlm_prompt",
    "build_zephyr_prompt",
    "chatml_falcon_stop_sequences",
    "chatml_starchat_stop_sequences",
    "chatml_stop_sequences",
    "falcon_stop_sequences",
    "llama2_stop_sequences",
    "llama3_stop_sequences",
    "mistral_stop_sequences",
    "mixtral_stop_sequences",
    "open_assistant_stop_sequences",
    "stablebeluga_stop_sequences",
    "vicuna_stop_sequences",
    "wizardlm_stop_sequences",
    "zephyr_stop_sequences",
]

PromptBuilder = Callable[[Messages], str]


# Unlike PromptBuilder, also callable as builder(messages=...), like the functions EasyLLM defined.
class _FormatBuilder(Protocol):
    def __call__(self, messages: Messages) -> str: ...


def _builder_for(chat_format: ChatFormat, docstring: str) -> _FormatBuilder:
    # EasyLLM's builders are plain named functions; each of ours is chat_format.render under that name.
    def build(messages: Messages) -> str:
        return chat_format.render(messages)

    build.__name__ = build.__qualname__ = f"build_{chat_format.name}_prompt"
    build.__doc__ = docstring
    return build


build_llama2_prompt = _builder_for(
    LLAMA2, "Llama 2 chat, exactly Meta's published template (``<s>[INST] <<SYS>>...``)."
)
build_llama3_prompt = _builder_for(LLAMA3, "Llama 3 Instruct (``<|begin_of_text|><|start_header_id|>...``).")
build_mistral_prompt = _builder_for(
    MISTRAL, "Mistral Instruct v0.1 (``<s>[INST] ... [/INST]...</s> [INST] ...``); system text joins the first turn."
)
build_mixtral_prompt = _builder_for(MIXTRAL, "Mixtral Instruct: Mistral's format without the space after ``</s>``.")
build_chatml_prompt = _builder_for(CHATML, "ChatML (``<|im_start|>role\\n...<|im_end|>``): Qwen, OpenHermes, dolphin.")
build_zephyr_prompt = _builder_for(ZEPHYR, "Zephyr (``<|user|>\\n...</s>``).")
build_vicuna_prompt = _builder_for(
    VICUNA, "Vicuna v1.1 as FastChat builds it (``... USER: ... ASSISTANT:``); differs from EasyLLM, see the docs."
)
build_falcon_prompt = _builder_for(FALCON, "Falcon-180B chat (``System: ...\\nUser: ...\\nFalcon: ``).")
build_chatml_falcon_prompt = _builder_for(CHATML_FALCON, "EasyLLM's HF ChatML with ``<|endoftext|>`` as end-of-turn.")
build_chatml_starchat_prompt = _builder_for(
    CHATML_STARCHAT, "EasyLLM's HF ChatML with ``<|end|>`` as end-of-turn (StarChat)."
)
build_open_assistant_prompt = _builder_for(OPEN_ASSISTANT, "Open Assistant (``<|prompter|>...</s><|assistant|>``).")
build_stablebeluga_prompt = _builder_for(STABLEBELUGA, "StableBeluga (``### User:\\n...\\n\\n### Assistant:``).")
build_wizardlm_prompt = _builder_for(WIZARDLM, "WizardLM (``USER: ... ASSISTANT: ``).")
build_anthropic_prompt = _builder_for(
    ANTHROPIC, "Anthropic's legacy text format (``\\n\\nHuman: ...\\n\\nAssistant: ``)."
)


def build_chatml_hf_prompt(messages: Messages, EOS_TOKEN: str = "<|end|>") -> str:
    """EasyLLM's HF ChatML with any end-of-turn token (the default is StarChat's ``<|end|>``)."""
    return _hf_chatml_for(EOS_TOKEN).render(messages)


@functools.lru_cache(maxsize=8)
def _hf_chatml_for(eos: str) -> ChatFormat:
    for known in (CHATML_STARCHAT, CHATML_FALCON):
        if known.stop == (eos,):
            return known
    return hf_chatml("chatml_hf", eos)


# EasyLLM's name -> builder table. A plain dict, as in EasyLLM: entries a user adds are found by
# build_prompt and by resolve_format.
PROMPT_MAPPING: dict[str, PromptBuilder] = {
    "llama2": build_llama2_prompt,
    "llama3": build_llama3_prompt,
    "mistral": build_mistral_prompt,
    "mixtral": build_mixtral_prompt,
    "chatml": build_chatml_prompt,
    "zephyr": build_zephyr_prompt,
    "vicuna": build_vicuna_prompt,
    "falcon": build_falcon_prompt,
    "chatml_falcon": build_chatml_falcon_prompt,
    "chatml_starchat": build_chatml_starchat_prompt,
    "open_assistant": build_open_assistant_prompt,
    "stablebeluga": build_stablebeluga_prompt,
    "wizardlm": build_wizardlm_prompt,
    "anthropic": build_anthropic_prompt,
}

# The builders by identity, so resolve_format(override=build_llama2_prompt) uses the llama2 format itself
# (and so knows its BOS and stop strings) instead of treating the builder as an opaque callable. Built
# at import, before a user can add to PROMPT_MAPPING, whose keys are then exactly the family names.
COMPAT_BUILDERS: Mapping[Callable[..., str], ChatFormat] = MappingProxyType(
    {builder: FAMILIES[name] for name, builder in PROMPT_MAPPING.items()} | {build_chatml_hf_prompt: CHATML_STARCHAT}
)


def build_prompt(messages: Messages, builder: str | Callable[..., str]) -> str:
    """Build a prompt with a PROMPT_MAPPING name or any callable (called with ``messages`` as given).

    Raises ValueError listing the available builders for an unknown name.
    """
    if isinstance(builder, str):
        found = PROMPT_MAPPING.get(builder)
        if found is None:
            raise ValueError(
                f"Prompt builder {builder!r} not found. "
                f"Available prompt builders are: {', '.join(sorted(PROMPT_MAPPING))}"
            )
        return found(messages)
    if callable(builder):
        return builder(messages)
    raise TypeError(f"builder must be a PROMPT_MAPPING name or a callable, not {type(builder).__name__}")


# Stop strings to pass as ``stop=`` (EasyLLM exported these lists; the shim applies them itself).
llama2_stop_sequences = list(LLAMA2.stop)
llama3_stop_sequences = list(LLAMA3.stop)
mistral_stop_sequences = list(MISTRAL.stop)
mixtral_stop_sequences = list(MIXTRAL.stop)
chatml_stop_sequences = list(CHATML.stop)
zephyr_stop_sequences = list(ZEPHYR.stop)
vicuna_stop_sequences = list(VICUNA.stop)
falcon_stop_sequences = list(FALCON.stop)
chatml_falcon_stop_sequences = list(CHATML_FALCON.stop)
chatml_starchat_stop_sequences = list(CHATML_STARCHAT.stop)
open_assistant_stop_sequences = list(OPEN_ASSISTANT.stop)
stablebeluga_stop_sequences = list(STABLEBELUGA.stop)
wizardlm_stop_sequences = list(WIZARDLM.stop)
anthropic_stop_sequences = list(ANTHROPIC.stop)

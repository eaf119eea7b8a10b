"""Pick the ChatFormat for a request: explicit override, else the model's chat template, else its family."""

from __future__ import annotations

import dataclasses
import functools
import logging
from collections.abc import Callable, Sequence
from typing import Any

from .compat import COMPAT_BUILDERS, PROMPT_MAPPING
from .discovery import find_tokenizer_config, registrations_changed
from .families import DEFAULT_FAMILY, FAMILIES
from .formats import ChatFormat
from .messages import Turn
from .registry import family_for_model
from .roles import TEMPLATE_DECIDES
from .templates import compile_template, read_tokenizer_config, template_format

__all__ = ["FormatSpec", "clear_format_cache", "custom_format", "known_format", "resolve_format"]

logger = logging.getLogger("easyllm_shim")

# A chat format as a caller names one: a family or PROMPT_MAPPING name, a callable messages -> str, a ChatFormat.
FormatSpec = str | Callable[..., str] | ChatFormat


def resolve_format(
    model: str | None,
    override: FormatSpec | None = None,
    *,
    neutralize_markers: bool | None = None,
) -> ChatFormat:
    """The chat format for ``model``.

    ``override`` wins: a family or PROMPT_MAPPING name ("llama2", "chatml_falcon", ...), a ChatFormat,
    or a callable messages -> str (EasyLLM style; the compat builders map to their family, any other
    callable is sent verbatim with only the stop strings it declares as ``.stop_sequences``). Otherwise
    the model's chat template if its tokenizer_config.json is on disk, otherwise the family table by model
    id, otherwise llama2 (with a DEBUG line on logger "easyllm_shim"). ``neutralize_markers=False`` turns
    turn-forgery protection off for the returned format; None keeps the format's own setting.
    Raises ValueError for an unknown name and TypeError for an override of another type.
    """
    if override is not None:
        chat_format = _from_override(override)
    else:
        known = _for_model(model, registrations_changed())
        if known is None:
            logger.debug("easyllm_shim: no prompt format known for model %r; using %s", model, DEFAULT_FAMILY.name)
            known = DEFAULT_FAMILY
        chat_format = known
    if neutralize_markers is None or neutralize_markers == chat_format.neutralize_markers:
        return chat_format
    return dataclasses.replace(chat_format, neutralize_markers=neutralize_markers)


def known_format(model: str) -> ChatFormat | None:
    """The chat format the model's template or family gives it, or None where only the default would."""
    return _for_model(model, registrations_changed())


def clear_format_cache() -> None:
    """Forget cached lookups and compiled templates (e.g. after downloading a model into the hub cache)."""
    _for_model.cache_clear()
    compile_template.cache_clear()


def custom_format(builder: Callable[..., str], *, name: str = "custom") -> ChatFormat:
    """Wrap an EasyLLM-style callable: it receives normalised message dicts and its string is sent verbatim.

    Its stop strings are whatever it declares in a ``stop_sequences`` attribute (none otherwise).
    """
    declared = getattr(builder, "stop_sequences", None)
    stop = tuple(str(item) for item in declared) if isinstance(declared, list | tuple) else ()

    def build(turns: Sequence[Turn]) -> str:
        result: Any = builder([turn.as_template_dict() for turn in turns])
        if not isinstance(result, str):
            raise TypeError(f"prompt builder {builder!r} returned {type(result).__name__}, not str")
        return result

    return ChatFormat(name=name, stop=stop, build=build, rules=TEMPLATE_DECIDES, display=name)


def _from_override(override: FormatSpec) -> ChatFormat:
    if isinstance(override, ChatFormat):
        return override
    if isinstance(override, str):
        return _named(override)
    if callable(override):
        known = COMPAT_BUILDERS.get(override)
        return known if known is not None else custom_format(override)
    raise TypeError(f"prompt format override must be a name, a ChatFormat or a callable, not {type(override).__name__}")


def _named(name: str) -> ChatFormat:
    family = FAMILIES.get(name.lower())
    if family is not None:
        return family
    builder = PROMPT_MAPPING.get(name)
    if builder is not None:  # a builder the user added to PROMPT_MAPPING
        return _from_override(builder)
    raise ValueError(f"unknown prompt format {name!r}; available: {', '.join(sorted({*FAMILIES, *PROMPT_MAPPING}))}")


@functools.lru_cache(maxsize=256)
def _for_model(model: str | None, registrations: int) -> ChatFormat | None:
    # `registrations` only keys the cache, so a new register_chat_template() is seen at once.
    if not model:
        return None
    family_name = family_for_model(model)
    family = FAMILIES[family_name] if family_name is not None else None
    config_path = find_tokenizer_config(model)
    config = read_tokenizer_config(config_path) if config_path is not None else None
    if config is not None:
        from_template = template_format(model, config, family)
        if from_template is not None:
            logger.debug("easyllm_shim: %s uses the chat template in %s", model, config_path)
            return from_template
    return family

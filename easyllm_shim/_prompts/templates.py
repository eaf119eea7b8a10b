"""ChatFormats from a model's own ``chat_template`` (tokenizer_config.json or chat_template.jinja)."""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import PromptError
from .formats import ChatFormat
from .markers import DEFAULT_GUARD
from .messages import Turn
from .roles import TEMPLATE_DECIDES

if TYPE_CHECKING:
    from jinja2 import Template

__all__ = ["TokenizerConfig", "compile_template", "read_tokenizer_config", "template_format"]

logger = logging.getLogger("easyllm_shim")

_SPECIAL_TOKEN_KEYS = ("bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token")


@dataclass(frozen=True)
class TokenizerConfig:
    """What a chat template needs from tokenizer_config.json."""

    chat_template: str
    special_tokens: Mapping[str, str]  # bos_token, eos_token, ... as text, for the template context
    additional_special_tokens: tuple[str, ...]
    markers: tuple[str, ...]  # every special token text, to neutralise in messages
    add_bos_token: bool | None = None

    @property
    def bos_token(self) -> str:
        return self.special_tokens.get("bos_token", "")

    @property
    def eos_token(self) -> str:
        return self.special_tokens.get("eos_token", "")


def read_tokenizer_config(path: Path) -> TokenizerConfig | None:
    """Parse ``path``; None (with a debug log line) when it is unreadable or has no chat template.

    A ``chat_template.jinja`` beside it wins over the config's ``chat_template``, as in transformers.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        template = _template_source(path, data) if isinstance(data, dict) else None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        logger.debug("easyllm_shim: cannot read %s: %s", path, exc)
        return None
    if template is None:
        logger.debug("easyllm_shim: %s has no chat_template", path)
        return None
    special = {key: text for key in _SPECIAL_TOKEN_KEYS if (text := _token_text(data.get(key))) is not None}
    additional = tuple(_token_texts(data.get("additional_special_tokens")))
    added = data.get("added_tokens_decoder")
    declared_special = (
        [entry for entry in added.values() if isinstance(entry, dict) and entry.get("special")]
        if isinstance(added, dict)
        else []
    )
    add_bos = data.get("add_bos_token")
    return TokenizerConfig(
        chat_template=template,
        special_tokens=special,
        additional_special_tokens=additional,
        markers=(*special.values(), *additional, *_token_texts(declared_special)),
        add_bos_token=add_bos if isinstance(add_bos, bool) else None,
    )


@functools.lru_cache(maxsize=64)
def compile_template(source: str) -> Template:
    """Compile a chat template in transformers' sandbox (cached by source). Raises jinja2.TemplateError."""
    from .sandbox import chat_template_environment

    return chat_template_environment().from_string(source)


def template_format(model: str, config: TokenizerConfig, family: ChatFormat | None) -> ChatFormat | None:
    """A ChatFormat named ``template:<model>`` rendering ``config``'s template, or None if it won't compile.

    Stop strings: the template's eos_token plus ``family``'s. Markers neutralised: ``family``'s (or the
    default set) plus every special token of the tokenizer.
    """
    from jinja2 import TemplateError

    try:
        template = compile_template(config.chat_template)
    except TemplateError as exc:
        logger.debug("easyllm_shim: chat template of %s does not compile (%s); using its family", model, exc)
        return None
    name = f"template:{model}"
    context: dict[str, Any] = {
        **config.special_tokens,
        "additional_special_tokens": list(config.additional_special_tokens),
        "add_generation_prompt": True,
        "tools": None,
        "documents": None,
    }

    def build(turns: Sequence[Turn]) -> str:
        messages = [turn.as_template_dict() for turn in turns]
        try:
            return template.render(messages=messages, **context)
        except PromptError as exc:
            raise PromptError.at(None, None, name, f"the chat template refused the conversation: {exc}") from None
        except (TemplateError, TypeError, ValueError, AttributeError, LookupError) as exc:
            raise PromptError.at(None, None, name, f"the chat template failed: {exc!r}") from exc

    family_stop = family.stop if family is not None else ()
    stop = tuple(dict.fromkeys(filter(None, (config.eos_token, *family_stop))))
    guard = (family.guard if family is not None else DEFAULT_GUARD).extended(config.markers)
    # TGI tokenizes /generate input with add_special_tokens=true, so the tokenizer adds its BOS unless
    # the config turns that off; only then must the template's own BOS stay in the prompt.
    bos = config.bos_token if config.add_bos_token is not False else ""
    return ChatFormat(name=name, stop=stop, build=build, bos=bos, rules=TEMPLATE_DECIDES, display=name, guard=guard)


def _template_source(path: Path, data: Mapping[str, Any]) -> str | None:
    jinja_file = path.parent / "chat_template.jinja"
    if jinja_file.is_file():
        return jinja_file.read_text(encoding="utf-8")
    template = data.get("chat_template")
    if isinstance(template, str):
        return template
    if isinstance(template, list):
        # Several named templates ({"name": "default" | "tool_use" | "rag", "template": ...}); like
        # transformers without tools, use "default".
        for entry in template:
            if isinstance(entry, dict) and entry.get("name") == "default" and isinstance(entry.get("template"), str):
                return str(entry["template"])
    return None


def _token_text(value: object) -> str | None:
    # Tokens are serialised as plain strings or as AddedToken dicts {"content": ..., "special": ...}.
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get("content"), str):
        return str(value["content"])
    return None


def _token_texts(values: object) -> list[str]:
    if not isinstance(values, list):
        return []
    return [text for value in values if (text := _token_text(value)) is not None]

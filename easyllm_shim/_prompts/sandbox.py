"""A jinja2 environment that renders chat templates the way transformers' ``apply_chat_template`` does.

Imported only when a chat template is compiled, so ``import easyllm_shim`` does not pay for jinja2.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from jinja2 import nodes
from jinja2.ext import Extension
from jinja2.parser import Parser
from jinja2.sandbox import ImmutableSandboxedEnvironment

from .errors import PromptError

__all__ = ["chat_template_environment"]


def _raise_exception(message: str) -> None:
    raise PromptError(message)


def _tojson(
    value: Any,
    ensure_ascii: bool = False,
    indent: int | None = None,
    separators: tuple[str, str] | None = None,
    sort_keys: bool = False,
) -> str:
    # transformers replaces jinja's HTML-escaping tojson with plain json.dumps (non-ASCII kept as is).
    return json.dumps(value, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


def _strftime_now(format_string: str) -> str:
    return datetime.now().strftime(format_string)


class _GenerationBlock(Extension):
    """``{% generation %}...{% endgeneration %}``: transformers marks assistant text for training masks
    with it; for rendering a prompt the body is simply output."""

    tags = {"generation"}  # noqa: RUF012 (jinja's Extension API declares this as a class attribute)

    def parse(self, parser: Parser) -> nodes.Node:
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(("name:endgeneration",), drop_needle=True)
        return nodes.Scope(body, lineno=lineno)


def chat_template_environment() -> ImmutableSandboxedEnvironment:
    """A fresh sandboxed environment with transformers' options, filters and globals."""
    environment = ImmutableSandboxedEnvironment(
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=[_GenerationBlock, "jinja2.ext.loopcontrols"],
    )
    environment.filters["tojson"] = _tojson
    environment.globals["raise_exception"] = _raise_exception
    environment.globals["strftime_now"] = _strftime_now
    return environment

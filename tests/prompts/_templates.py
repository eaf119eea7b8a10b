"""Chat templates written for these tests (not copied from any model repo), and a transformers-like renderer."""

from __future__ import annotations

import functools
from typing import Any, NoReturn

from jinja2 import Template
from jinja2.sandbox import ImmutableSandboxedEnvironment

# Llama 2 chat semantics written independently of Meta's one-line template, as multi-line jinja that relies
# on trim_blocks/lstrip_blocks: system merged into the first turn, the merged text trimmed, <s> per user
# turn, " answer </s>" per assistant turn, strict alternation.
OWN_LLAMA2_TEMPLATE = """\
{% if messages[0]['role'] == 'system' %}
    {% set preamble = '<<SYS>>\\n' ~ messages[0]['content'] ~ '\\n<</SYS>>\\n\\n' %}
    {% set conversation = messages[1:] %}
{% else %}
    {% set preamble = '' %}
    {% set conversation = messages %}
{% endif %}
{% for message in conversation %}
    {% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}
        {{ raise_exception('user and assistant must take turns') }}
    {% endif %}
    {% set text = (preamble if loop.first else '') ~ message['content'] %}
    {% if message['role'] == 'user' %}
{{ bos_token }}[INST] {{ text | trim }} [/INST]
    {%- else %}
 {{ text | trim }} {{ eos_token }}
    {%- endif %}
{% endfor %}
"""

# ChatML as a multi-line template, again relying on trim_blocks for the block-tag newlines.
OWN_CHATML_TEMPLATE = """\
{% for message in messages %}
<|im_start|>{{ message['role'] }}
{{ message['content'] }}<|im_end|>
{% endfor %}
{% if add_generation_prompt %}
<|im_start|>assistant
{% endif %}
"""


def _raise(message: str) -> NoReturn:
    raise ValueError(message)


@functools.cache
def _compiled(template: str) -> Template:
    environment = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
    environment.globals["raise_exception"] = _raise
    return environment.from_string(template)


def render_like_transformers(template: str, messages: list[dict[str, Any]], **tokens: str) -> str:
    """Render with the options transformers uses; an independent check on easyllm_shim's own sandbox."""
    return _compiled(template).render(messages=messages, add_generation_prompt=True, **tokens)

from __future__ import annotations

import datetime

import pytest
from jinja2.exceptions import SecurityError

from easyllm_shim._prompts import PromptError
from easyllm_shim._prompts.sandbox import chat_template_environment


def render(source: str, **context: object) -> str:
    return chat_template_environment().from_string(source).render(**context)


def test_raise_exception_raises_prompt_error() -> None:
    with pytest.raises(PromptError, match=r"^roles must alternate$"):
        render("{{ raise_exception('roles must alternate') }}")


def test_blocks_are_trimmed_and_left_stripped_as_in_transformers() -> None:
    source = "{% for m in items %}\n    {% if m %}\n{{ m }}\n    {% endif %}\n{% endfor %}\n"

    assert render(source, items=["a", "b"]) == "a\nb\n"


def test_tojson_keeps_non_ascii_and_does_not_html_escape() -> None:
    assert render("{{ value | tojson }}", value={"q": "é<b>"}) == '{"q": "é<b>"}'
    assert render("{{ value | tojson(indent=2) }}", value=[1]) == "[\n  1\n]"


def test_strftime_now_gives_the_local_date() -> None:
    assert render("{{ strftime_now('%Y') }}") == str(datetime.datetime.now().year)


def test_generation_blocks_render_their_body() -> None:
    assert render("{% generation %}answer{% endgeneration %}!") == "answer!"


def test_loop_controls_are_available() -> None:
    source = "{% for i in [1, 2, 3] %}{% if i == 2 %}{% break %}{% endif %}{{ i }}{% endfor %}"

    assert render(source) == "1"


def test_templates_cannot_mutate_what_they_are_given() -> None:
    messages = [{"role": "user", "content": "hi"}]

    with pytest.raises(SecurityError):
        render("{{ messages.append(1) }}", messages=messages)
    assert messages == [{"role": "user", "content": "hi"}]

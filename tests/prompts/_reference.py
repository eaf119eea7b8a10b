"""Read conformance material from ../shared/reference at test time (it is never copied into the repo).

Tests using it are marked ``reference`` and skip where the folder is absent, as on a user's clone.
"""

from __future__ import annotations

import ast
import re

from ..reference import reference_dir


def reference_text(name: str) -> str:
    return (reference_dir() / name).read_text(encoding="utf-8")


def section(document: str, heading: str) -> str:
    """The markdown section whose heading starts with ``heading``, up to the next heading of its level or above."""
    level = len(heading) - len(heading.lstrip("#"))
    lines = document.splitlines(keepends=True)
    start = next(number for number, line in enumerate(lines) if line.startswith(heading))
    in_fence = False
    for number in range(start + 1, len(lines)):
        line = lines[number]
        if line.startswith("```"):
            in_fence = not in_fence
        elif not in_fence and re.match(rf"#{{1,{level}}} ", line):
            return "".join(lines[start:number])
    return "".join(lines[start:])


def fenced_block(text: str, language: str = "") -> str:
    match = re.search(rf"```{re.escape(language)}\n(.*?)\n```", text, re.DOTALL)
    assert match is not None, f"no ```{language} block"
    return match.group(1)


def code_span_after(text: str, label: str, must_contain: str = "{") -> str:
    """The first inline `code` after ``label`` containing ``must_contain``, with the doc's \\n decoded."""
    for match in re.finditer(r"`([^`\n]+)`", text[text.index(label) :]):
        if must_contain in match.group(1):
            return match.group(1).replace("\\n", "\n")
    raise AssertionError(f"no code span containing {must_contain!r} after {label!r}")


def fill(template: str, **values: str) -> str:
    for name, value in values.items():
        template = template.replace("{" + name + "}", value)
    return template


def meta_llama2_chat_template() -> str:
    """Meta's Llama 2 chat template (jinja source) from tgi-protocol.md §9.1."""
    return fenced_block(section(reference_text("tgi-protocol.md"), "### 9.1"), "jinja")


def easyllm_documented_outputs() -> dict[str, str]:
    """easyllm-0.6.2.md §2.2: builder name -> documented output for system + user + assistant + user."""
    table = section(reference_text("easyllm-0.6.2.md"), "### 2.2")
    outputs: dict[str, str] = {}
    for name, literal in re.findall(r"^\| `(\w+)`[^|\n]*\| `('.*')` \|$", table, re.MULTILINE):
        value = ast.literal_eval(literal)
        assert isinstance(value, str)
        outputs[name] = value
    return outputs

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import pytest

from easyllm_shim._prompts import ChatFormat, PromptError, RoleRules, Turn
from easyllm_shim._prompts.markers import ZWSP


def tagged(turns: Sequence[Turn]) -> str:
    return "<s>" + "".join(f"[{turn.role}]{turn.content}" for turn in turns) + "[assistant]"


TAGGED = ChatFormat(name="tagged", stop=("[user]",), build=tagged, bos="<s>", display="Tagged")


def test_render_keeps_the_bos_and_prompt_drops_it() -> None:
    assert TAGGED.render("Hi") == "<s>[user]Hi[assistant]"
    assert TAGGED.prompt("Hi") == "[user]Hi[assistant]"


def test_prompt_only_drops_a_leading_bos() -> None:
    late_bos = dataclasses.replace(TAGGED, build=lambda turns: "x<s>")

    assert late_bos.prompt("Hi") == "x<s>"


def test_a_format_without_bos_sends_what_it_renders() -> None:
    plain = dataclasses.replace(TAGGED, bos="")

    assert plain.prompt("Hi") == plain.render("Hi") == "<s>[user]Hi[assistant]"


def test_message_text_is_neutralised_before_the_builder_sees_it() -> None:
    assert TAGGED.render("</s>") == f"<s>[user]<{ZWSP}/s>[assistant]"


def test_neutralisation_can_be_turned_off() -> None:
    unguarded = dataclasses.replace(TAGGED, neutralize_markers=False)

    assert unguarded.render("</s>") == "<s>[user]</s>[assistant]"


def test_the_format_rules_are_checked_with_its_display_name() -> None:
    strict = dataclasses.replace(TAGGED, rules=RoleRules(alternate=True))

    with pytest.raises(PromptError, match=r"Tagged does not support tool messages\. \(tagged\)"):
        strict.render([{"role": "user", "content": "a"}, {"role": "tool", "content": "b"}])


def test_the_name_stands_in_for_a_missing_display_name() -> None:
    anonymous = ChatFormat(name="anon", stop=(), build=tagged)

    with pytest.raises(PromptError, match=r"anon does not support function calls"):
        anonymous.render([{"role": "function", "content": "x"}])


def test_formats_are_immutable_values() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        TAGGED.name = "other"  # type: ignore[misc]
    assert dataclasses.replace(TAGGED) == TAGGED

from __future__ import annotations

import pytest

from easyllm_shim._prompts import PromptError, RoleRules, Turn
from easyllm_shim._prompts.roles import ALTERNATING, FREE_ORDER, TEMPLATE_DECIDES, check_roles


def turns(*roles: str) -> list[Turn]:
    return [Turn(role, f"text {index}") for index, role in enumerate(roles)]


@pytest.mark.parametrize(
    "roles",
    [
        ("user",),
        ("system", "user"),
        ("user", "assistant", "user"),
        ("system", "user", "assistant", "user", "assistant", "user"),
    ],
)
def test_alternating_conversations_pass_every_rule_set(roles: tuple[str, ...]) -> None:
    for rules in (ALTERNATING, FREE_ORDER, TEMPLATE_DECIDES):
        check_roles(turns(*roles), rules, "fmt", "Fmt")


@pytest.mark.parametrize(
    ("roles", "index", "role", "message"),
    [
        (
            ("user", "assistant", "system", "user"),
            2,
            "system",
            r"^messages\[2\]: role 'system' is only allowed as the first message \(llama2\)$",
        ),
        (("system", "system", "user"), 1, "system", r"messages\[1\]: role 'system' is only allowed"),
        (
            ("user", "user"),
            1,
            "user",
            r"^messages\[1\]: expected role 'assistant', got 'user': roles must alternate user/assistant/user/\.\.\. "
            r"\(llama2\)$",
        ),
        (("system", "assistant", "user"), 1, "assistant", r"messages\[1\]: expected role 'user', got 'assistant'"),
        (
            ("user", "assistant"),
            1,
            "assistant",
            r"^messages\[1\]: the conversation must end with a user message, not 'assistant' \(llama2\)$",
        ),
        (("system",), 0, "system", r"messages\[0\]: the conversation must end with a user message, not 'system'"),
        (
            ("user", "assistant", "tool"),
            2,
            "tool",
            r"^messages\[2\]: role 'tool' is not supported: Llama 2 does not support tool messages\. \(llama2\)$",
        ),
        (("system", "function"), 1, "function", r"Llama 2 does not support function calls\."),
    ],
)
def test_alternating_rules_name_the_first_offending_message(
    roles: tuple[str, ...], index: int, role: str, message: str
) -> None:
    with pytest.raises(PromptError, match=message) as caught:
        check_roles(turns(*roles), ALTERNATING, "llama2", "Llama 2")

    assert (caught.value.index, caught.value.role, caught.value.chat_format) == (index, role, "llama2")


def test_free_order_accepts_repeated_roles_but_still_ends_on_user() -> None:
    check_roles(turns("system", "user", "user", "assistant", "assistant", "user"), FREE_ORDER, "chatml", "ChatML")

    with pytest.raises(PromptError, match=r"must end with a user message"):
        check_roles(turns("user", "assistant"), FREE_ORDER, "chatml", "ChatML")


def test_template_rules_leave_order_and_tools_to_the_template() -> None:
    check_roles(turns("user", "system", "assistant", "tool"), TEMPLATE_DECIDES, "template:x", "template:x")


def test_rules_are_plain_data() -> None:
    assert RoleRules() == FREE_ORDER
    assert RoleRules(alternate=True) == ALTERNATING

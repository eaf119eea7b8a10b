"""The surface the backend imports from easyllm_shim._prompts."""

from __future__ import annotations

import inspect

import easyllm_shim._prompts as prompts


def test_the_backend_interface_is_exported() -> None:
    assert set(prompts.__all__) == {
        "FAMILIES",
        "MODEL_FAMILIES",
        "ChatFormat",
        "MarkerGuard",
        "PromptError",
        "RoleRules",
        "Turn",
        "clear_format_cache",
        "custom_format",
        "fetch_chat_template",
        "known_format",
        "register_chat_template",
        "resolve_format",
    }
    assert all(hasattr(prompts, name) for name in prompts.__all__)


def test_resolve_format_has_the_agreed_signature() -> None:
    parameters = inspect.signature(prompts.resolve_format).parameters

    assert list(parameters) == ["model", "override", "neutralize_markers"]
    assert parameters["override"].default is None
    assert parameters["neutralize_markers"].kind is inspect.Parameter.KEYWORD_ONLY


def test_chat_format_has_name_stop_render_and_prompt() -> None:
    chat_format = prompts.resolve_format("meta-llama/Llama-2-7b-chat-hf")

    assert (chat_format.name, chat_format.stop) == ("llama2", ("</s>", "[INST]"))
    assert chat_format.render("Hi") == "<s>[INST] Hi [/INST]"
    assert chat_format.prompt("Hi") == "[INST] Hi [/INST]"

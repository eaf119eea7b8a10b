from __future__ import annotations

from easyllm_shim._prompts import PromptError


def test_prompt_error_names_index_role_and_format() -> None:
    error = PromptError.at(2, "system", "llama2", "role 'system' is only allowed as the first message")

    assert str(error) == "messages[2]: role 'system' is only allowed as the first message (llama2)"
    assert (error.index, error.role, error.chat_format) == (2, "system", "llama2")


def test_prompt_error_without_an_index_speaks_of_the_whole_list() -> None:
    error = PromptError.at(None, None, "chatml", "the conversation is empty")

    assert str(error) == "messages: the conversation is empty (chatml)"
    assert (error.index, error.role) == (None, None)


def test_prompt_error_is_a_value_error_as_easyllm_raised() -> None:
    assert issubclass(PromptError, ValueError)
    assert PromptError("plain").index is None

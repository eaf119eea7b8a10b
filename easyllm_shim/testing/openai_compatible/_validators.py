"""vLLM's ``before`` model validators of its request models, in the order pydantic runs them.

A ``before`` validator sees the decoded body as sent, whatever its type; vLLM's look into JSON
objects only and let anything else through to pydantic's own type error. Each refusal is a
``VLLMValidationError`` (pydantic reports it as a ``value_error`` of the whole body); a TypeError
escapes, as from vLLM's unguarded loops.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NoReturn

from ._body import BeforeValidator
from ._errors import VLLMValidationError

__all__ = ["CHAT_BEFORE", "COMPLETION_BEFORE", "EMBEDDING_BEFORE"]

Check = Callable[[dict[str, Any]], "dict[str, Any] | None"]

# VLLM_MAX_COMPLETION_PROMPTS default.
_MAX_PROMPTS = 1024
_TOOL_CHOICE_USAGE = 'Correct usage: `{"type": "function", "function": {"name": "my_function"}}`'


def _on_objects(check: Check) -> BeforeValidator:
    """Run ``check`` on a JSON object (it may return a replacement body); pass anything else on."""

    def validator(data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        replaced = check(data)
        return data if replaced is None else replaced

    return validator


def _refusal(when: Callable[[dict[str, Any]], bool], message: str, parameter: str | None = None) -> BeforeValidator:
    """A validator that refuses a body ``when`` holds, naming ``parameter``."""

    def check(data: dict[str, Any]) -> None:
        if when(data):
            raise VLLMValidationError(message, parameter=parameter)

    return _on_objects(check)


@_on_objects
def _iterate_messages(data: dict[str, Any]) -> None:
    """check_system_message_content_type loops over ``messages`` unguarded: null or a number is a TypeError."""
    for _ in data.get("messages", []):
        pass


_generation_prompt = _refusal(
    lambda data: bool(data.get("continue_final_message") and data.get("add_generation_prompt")),
    "Cannot set both `continue_final_message` and `add_generation_prompt` to True.",
)


@_on_objects
def _tool_usage(data: dict[str, Any]) -> None:
    """check_tool_usage: tools given without tool_choice mean "auto" (written into the body, as vLLM does)."""
    if data.get("tools") == []:
        raise VLLMValidationError(
            "`tools` must not be an empty array. Either provide at least one tool or omit the field entirely.",
            parameter="tools",
        )
    if "tool_choice" not in data and data.get("tools"):
        data["tool_choice"] = "auto"
    choice = data.get("tool_choice")
    if "tool_choice" not in data or choice in ("none", None):
        return
    if data.get("tools") is None:
        raise VLLMValidationError("When using `tool_choice`, `tools` must be set.", parameter="tool_choice")
    if choice not in ("auto", "required") and not isinstance(choice, dict):
        raise VLLMValidationError(
            f'Invalid value for `tool_choice`: {choice}! Only named tools, "none", "auto" or "required" are supported.',
            parameter="tool_choice",
        )
    if isinstance(choice, dict):
        _named_tool_choice(choice, data["tools"])


def _named_tool_choice(choice: dict[str, Any], tools: Any) -> None:
    def refuse(message: str, parameter: str) -> NoReturn:
        raise VLLMValidationError(f"{message} {_TOOL_CHOICE_USAGE}", parameter=parameter)

    function = choice.get("function")
    if not isinstance(function, dict):
        refuse(f"Invalid value for `function`: `{function}` in `tool_choice`!", "tool_choice.function")
    if "name" not in function:
        refuse("Expected field `name` in `function` in `tool_choice`!", "tool_choice.function.name")
    name = function["name"]
    if not isinstance(name, str) or not name:
        refuse(f"Invalid `name` in `function`: `{name}` in `tool_choice`!", "tool_choice.function.name")
    # Unguarded in vLLM too: a malformed tool here is a KeyError or TypeError.
    if not any(tool["function"]["name"] == name for tool in tools):
        raise VLLMValidationError(
            "The tool specified in `tool_choice` does not match any of the specified `tools`", parameter="tool_choice"
        )


def _logprob_counts(data: dict[str, Any], count: str) -> None:
    """``prompt_logprobs`` and the route's own count (``top_logprobs`` or ``logprobs``): numbers, no prompt
    logprobs in a stream, and each at least 0 or exactly -1 (all of them)."""
    for name in ("prompt_logprobs", count):
        value = data.get(name)
        if value is not None and not isinstance(value, int | float):
            raise VLLMValidationError(f"`{name}` must be an integer.", parameter=name, value=value)
    prompt_logprobs = data.get("prompt_logprobs")
    if prompt_logprobs is not None and data.get("stream") and (prompt_logprobs > 0 or prompt_logprobs == -1):
        raise VLLMValidationError(
            "`prompt_logprobs` are not available when `stream=True`.", parameter="prompt_logprobs"
        )
    for name in ("prompt_logprobs", count):
        value = data.get(name)
        if value is not None and value < 0 and value != -1:
            raise VLLMValidationError(f"`{name}` must be a positive value or -1.", parameter=name, value=value)


@_on_objects
def _chat_logprobs(data: dict[str, Any]) -> None:
    _logprob_counts(data, "top_logprobs")
    top_logprobs = data.get("top_logprobs")
    if top_logprobs is not None and (top_logprobs == -1 or top_logprobs > 0) and not data.get("logprobs"):
        raise VLLMValidationError(
            "when using `top_logprobs`, `logprobs` must be set to true.", parameter="top_logprobs"
        )


@_on_objects
def _completion_logprobs(data: dict[str, Any]) -> None:
    _logprob_counts(data, "logprobs")


_stream_options = _refusal(
    lambda data: bool(data.get("stream_options")) and not data.get("stream"),
    "Stream options can only be defined when `stream=True`.",
    "stream_options",
)


def _json_schema_missing(data: dict[str, Any]) -> bool:
    response_format = data.get("response_format")
    if not isinstance(response_format, dict):
        return False
    return response_format.get("type") == "json_schema" and response_format.get("json_schema") is None


_response_format = _refusal(
    _json_schema_missing,
    "When response_format type is 'json_schema', the 'json_schema' field must be provided.",
    "response_format",
)


def _bad_cache_salt(data: dict[str, Any]) -> bool:
    salt = data.get("cache_salt")
    return salt is not None and (not isinstance(salt, str) or not salt)


_cache_salt = _refusal(
    _bad_cache_salt,
    "Parameter 'cache_salt' must be a non-empty string if provided.",
    "cache_salt",
)


@_on_objects
def _prompt_list_length(data: dict[str, Any]) -> None:
    prompt = data.get("prompt")
    is_tokens = isinstance(prompt, list) and all(isinstance(item, int) for item in prompt)
    if isinstance(prompt, list) and prompt and not is_tokens and len(prompt) > _MAX_PROMPTS:
        raise VLLMValidationError(
            f"prompt list length {len(prompt)} exceeds the maximum allowed count of {_MAX_PROMPTS}. "
            "To increase this limit, set the VLLM_MAX_COMPLETION_PROMPTS environment variable.",
            parameter="prompt",
        )


_prompt_present = _refusal(
    lambda data: data.get("prompt") in (None, "") and data.get("prompt_embeds") in (None, []),
    "Either prompt or prompt_embeds must be provided and non-empty.",
    "prompt",
)


@_on_objects
def _null_max_tokens(data: dict[str, Any]) -> dict[str, Any] | None:
    return {**data, "max_tokens": 16} if data.get("max_tokens") is None else None


_removed_pooling_parameters = _refusal(
    lambda data: "normalize" in data, "Parameter `normalize` was removed; use `use_activation` instead.", "normalize"
)

# The last validator a vLLM model defines runs first.
CHAT_BEFORE: tuple[BeforeValidator, ...] = (
    _iterate_messages,
    _generation_prompt,
    _tool_usage,
    _chat_logprobs,
    _stream_options,
    _response_format,
    _cache_salt,
)
COMPLETION_BEFORE: tuple[BeforeValidator, ...] = (
    _prompt_list_length,
    _prompt_present,
    _stream_options,
    _completion_logprobs,
    _response_format,
    _null_max_tokens,
    _cache_salt,
)
EMBEDDING_BEFORE: tuple[BeforeValidator, ...] = (_removed_pooling_parameters,)

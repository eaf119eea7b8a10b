"""vLLM's request models for chat, completions and embeddings: the fields the stand-in reads, in vLLM's order.

Each ``read_*`` takes the raw request and returns a frozen request, or raises ``ServingError`` with
vLLM's 400. The field tables follow ``ChatCompletionRequest``, ``CompletionRequest`` and
``EmbeddingCompletionRequest`` of vLLM 0.33 (names, types, defaults, declaration order); fields
the stand-in does not act on are left out, and pydantic ignores unknown keys, as vLLM does
(``extra="allow"``). The ``before`` validators are vLLM's, listed in the order pydantic runs them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

from ._body import BeforeValidator, decode_json, validate_model
from ._errors import VLLMValidationError
from ._fields import (
    Field,
    Invalid,
    Loc,
    Reader,
    anything,
    error,
    integer,
    list_of,
    literal,
    model,
    nullable,
    to_bool,
    to_float,
    to_int,
    to_str,
)
from ._settings import random_uuid

__all__ = [
    "ChatRequest",
    "CompletionRequest",
    "EmbeddingRequest",
    "SamplingRequest",
    "read_chat",
    "read_completion",
    "read_embedding",
]

_INT64 = integer(ge=-(2**63), le=2**63 - 1)
# VLLM_MAX_COMPLETION_PROMPTS and VLLM_MAX_STOP_STRINGS defaults.
_MAX_PROMPTS = 1024
_MAX_STOP_STRINGS = 4


def _union(*branches: tuple[str, Reader, Callable[[Any], bool]]) -> Reader:
    """pydantic's smart union: a branch the value fits exactly wins (a list of numeric strings is a
    ``list[str]``, not a ``list[int]``); otherwise the first branch that accepts it after coercion;
    otherwise every branch's errors, each under the branch's label in ``loc`` (dropped from ``param``)."""

    def read(value: Any, loc: Loc) -> Any:
        for label, branch, exact in branches:
            if exact(value):
                try:
                    return branch(value, (*loc, label))
                except Invalid:  # the right shape but refused (too long): report every branch below
                    break
        errors = []
        for label, branch, _ in branches:
            try:
                return branch(value, (*loc, label))
            except Invalid as invalid:
                errors.extend(invalid.errors)
        raise Invalid(errors)

    return read


def _is_str(value: Any) -> bool:
    return isinstance(value, str)


def _is_strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(each, str) for each in value)


def _is_tokens(value: Any) -> bool:
    return isinstance(value, list) and all(type(each) is int and each >= 0 for each in value)


def _is_token_lists(value: Any) -> bool:
    return isinstance(value, list) and all(_is_tokens(each) for each in value)


def _message(value: Any, loc: Loc) -> dict[str, Any]:
    """One of the ChatCompletionMessageParam TypedDicts; every one of them needs a string ``role``."""
    if not isinstance(value, dict):
        raise Invalid([error("dict_type", loc, "Input should be a valid dictionary", value)])
    if "role" not in value:
        raise Invalid([error("missing", (*loc, "role"), "Field required", value)])
    to_str(value["role"], (*loc, "role"))
    return value


_STOP: Reader = nullable(
    _union(
        ("str", to_str, _is_str),
        ("list[str]", list_of(to_str, max_length=_MAX_STOP_STRINGS), _is_strings),
    )
)
_TOKENS = list_of(integer(ge=0))
# `list[int] | list[list[int]] | str | list[str]`: a completion prompt, or an embedding input.
_TEXTS: Reader = _union(
    ("list[constrained-int]", _TOKENS, _is_tokens),
    ("list[list[constrained-int]]", list_of(_TOKENS), _is_token_lists),
    ("str", to_str, _is_str),
    ("list[str]", list_of(to_str), _is_strings),
)
_STREAM_OPTIONS = nullable(
    model(
        "StreamOptions",
        (Field("include_usage", nullable(to_bool), True), Field("continuous_usage_stats", nullable(to_bool), False)),
    )
)
_FUNCTION = model(
    "FunctionDefinition",
    (
        Field("name", to_str),
        Field("description", nullable(to_str), None),
        Field("parameters", nullable(anything), None),
    ),
)
_TOOL = model(
    "ChatCompletionToolsParam", (Field("type", literal("function"), "function"), Field("function", _FUNCTION))
)


def _top_logprobs(value: Any, loc: Loc) -> int:
    # A BeforeValidator maps null to 0 first.
    return 0 if value is None else int(to_int(value, loc))


# -- sampling fields shared by chat and completions, in vLLM's order ----------------------------------------
_SAMPLING_EXTRA = (
    Field("use_beam_search", to_bool, False),
    Field("top_k", nullable(to_int), None),
    Field("min_p", nullable(to_float), None),
    Field("repetition_penalty", nullable(to_float), None),
    Field("stop_token_ids", nullable(list_of(to_int)), list, factory=True),
    Field("include_stop_str_in_output", to_bool, False),
    Field("ignore_eos", to_bool, False),
    Field("min_tokens", to_int, 0),
    Field("skip_special_tokens", nullable(to_bool), None),
)

_CHAT_FIELDS = (
    Field("messages", list_of(_message)),
    Field("model", nullable(to_str), None),
    Field("frequency_penalty", nullable(to_float), None),
    Field("logit_bias", nullable(anything), None),
    Field("logprobs", nullable(to_bool), False),
    Field("top_logprobs", _top_logprobs, 0),
    Field("max_tokens", nullable(to_int), None),
    Field("max_completion_tokens", nullable(to_int), None),
    Field("n", nullable(to_int), 1),
    Field("presence_penalty", nullable(to_float), None),
    Field("response_format", nullable(anything), None),
    Field("seed", nullable(_INT64), None),
    Field("stop", _STOP, list, factory=True),
    Field("stream", nullable(to_bool), False),
    Field("stream_options", _STREAM_OPTIONS, None),
    Field("temperature", nullable(to_float), None),
    Field("top_p", nullable(to_float), None),
    Field("tools", nullable(list_of(_TOOL)), None),
    Field("tool_choice", anything, "none"),
    Field("parallel_tool_calls", nullable(to_bool), True),
    Field("user", nullable(to_str), None),
    *_SAMPLING_EXTRA,
    Field("echo", to_bool, False),
    Field("add_generation_prompt", to_bool, True),
    Field("continue_final_message", to_bool, False),
    Field("add_special_tokens", to_bool, False),
    Field("chat_template", nullable(to_str), None),
    Field("request_id", to_str, random_uuid, factory=True),
)

_COMPLETION_FIELDS = (
    Field("model", nullable(to_str), None),
    Field("prompt", nullable(_TEXTS), None),
    Field("echo", nullable(to_bool), False),
    Field("frequency_penalty", nullable(to_float), None),
    Field("logit_bias", nullable(anything), None),
    Field("logprobs", nullable(to_int), None),
    Field("max_tokens", nullable(to_int), 16),
    Field("n", to_int, 1),
    Field("presence_penalty", nullable(to_float), None),
    Field("seed", nullable(_INT64), None),
    Field("stop", _STOP, list, factory=True),
    Field("stream", nullable(to_bool), False),
    Field("stream_options", _STREAM_OPTIONS, None),
    Field("suffix", nullable(to_str), None),
    Field("temperature", nullable(to_float), None),
    Field("top_p", nullable(to_float), None),
    Field("user", nullable(to_str), None),
    *_SAMPLING_EXTRA,
    Field("add_special_tokens", to_bool, True),
    Field("response_format", nullable(anything), None),
    Field("request_id", to_str, random_uuid, factory=True),
)

_EMBEDDING_FIELDS = (
    Field("model", nullable(to_str), None),
    Field("user", nullable(to_str), None),
    Field("truncate_prompt_tokens", nullable(integer(ge=-1)), None),
    Field("request_id", to_str, random_uuid, factory=True),
    Field("input", _TEXTS),
    Field("add_special_tokens", to_bool, True),
    Field("encoding_format", literal("float", "base64", "bytes", "bytes_only"), "float"),
    Field("dimensions", nullable(to_int), None),
)


# -- vLLM's `before` model validators -----------------------------------------------------------------------
def _iterate_messages(data: Any) -> Any:
    """check_system_message_content_type loops over ``messages`` unguarded: null or a number is a TypeError."""
    if isinstance(data, dict):
        for _ in data.get("messages", []):
            pass
    return data


def _generation_prompt(data: Any) -> Any:
    if isinstance(data, dict) and data.get("continue_final_message") and data.get("add_generation_prompt"):
        raise VLLMValidationError("Cannot set both `continue_final_message` and `add_generation_prompt` to True.")
    return data


_TOOL_CHOICE_USAGE = 'Correct usage: `{"type": "function", "function": {"name": "my_function"}}`'


def _tool_usage(data: Any) -> Any:
    """check_tool_usage: tools given without tool_choice mean "auto" (written into the body, as vLLM does)."""
    if not isinstance(data, dict):
        return data
    if data.get("tools") == []:
        raise VLLMValidationError(
            "`tools` must not be an empty array. Either provide at least one tool or omit the field entirely.",
            parameter="tools",
        )
    if "tool_choice" not in data and data.get("tools"):
        data["tool_choice"] = "auto"
    choice = data.get("tool_choice")
    if "tool_choice" not in data or choice in ("none", None):
        return data
    if data.get("tools") is None:
        raise VLLMValidationError("When using `tool_choice`, `tools` must be set.", parameter="tool_choice")
    if choice not in ("auto", "required") and not isinstance(choice, dict):
        raise VLLMValidationError(
            f'Invalid value for `tool_choice`: {choice}! Only named tools, "none", "auto" or "required" are supported.',
            parameter="tool_choice",
        )
    if isinstance(choice, dict):
        function = choice.get("function")
        if not isinstance(function, dict):
            raise VLLMValidationError(
                f"Invalid value for `function`: `{function}` in `tool_choice`! {_TOOL_CHOICE_USAGE}",
                parameter="tool_choice.function",
            )
        if "name" not in function:
            raise VLLMValidationError(
                f"Expected field `name` in `function` in `tool_choice`! {_TOOL_CHOICE_USAGE}",
                parameter="tool_choice.function.name",
            )
        name = function["name"]
        if not isinstance(name, str) or not name:
            raise VLLMValidationError(
                f"Invalid `name` in `function`: `{name}` in `tool_choice`! {_TOOL_CHOICE_USAGE}",
                parameter="tool_choice.function.name",
            )
        # Unguarded in vLLM too: a malformed tool here is a KeyError or TypeError.
        if not any(tool["function"]["name"] == name for tool in data["tools"]):
            raise VLLMValidationError(
                "The tool specified in `tool_choice` does not match any of the specified `tools`",
                parameter="tool_choice",
            )
    return data


def _integer_fields(data: dict[str, Any], names: tuple[str, ...]) -> None:
    for name in names:
        value = data.get(name)
        if value is not None and not isinstance(value, int | float):
            raise VLLMValidationError(f"`{name}` must be an integer.", parameter=name, value=value)


def _prompt_logprobs(data: dict[str, Any]) -> None:
    prompt_logprobs = data.get("prompt_logprobs")
    if prompt_logprobs is None:
        return
    if data.get("stream") and (prompt_logprobs > 0 or prompt_logprobs == -1):
        raise VLLMValidationError(
            "`prompt_logprobs` are not available when `stream=True`.", parameter="prompt_logprobs"
        )
    if prompt_logprobs < 0 and prompt_logprobs != -1:
        raise VLLMValidationError(
            "`prompt_logprobs` must be a positive value or -1.", parameter="prompt_logprobs", value=prompt_logprobs
        )


def _chat_logprobs(data: Any) -> Any:
    if not isinstance(data, dict):
        return data
    _integer_fields(data, ("prompt_logprobs", "top_logprobs"))
    _prompt_logprobs(data)
    top_logprobs = data.get("top_logprobs")
    if top_logprobs is not None:
        if top_logprobs < 0 and top_logprobs != -1:
            raise VLLMValidationError(
                "`top_logprobs` must be a positive value or -1.", parameter="top_logprobs", value=top_logprobs
            )
        if (top_logprobs == -1 or top_logprobs > 0) and not data.get("logprobs"):
            raise VLLMValidationError(
                "when using `top_logprobs`, `logprobs` must be set to true.", parameter="top_logprobs"
            )
    return data


def _completion_logprobs(data: Any) -> Any:
    if not isinstance(data, dict):
        return data
    _integer_fields(data, ("prompt_logprobs", "logprobs"))
    _prompt_logprobs(data)
    logprobs = data.get("logprobs")
    if logprobs is not None and logprobs < 0 and logprobs != -1:
        raise VLLMValidationError("`logprobs` must be a positive value or -1.", parameter="logprobs", value=logprobs)
    return data


def _stream_options(data: Any) -> Any:
    if isinstance(data, dict) and data.get("stream_options") and not data.get("stream"):
        raise VLLMValidationError("Stream options can only be defined when `stream=True`.", parameter="stream_options")
    return data


def _response_format(data: Any) -> Any:
    if not isinstance(data, dict) or not isinstance(data.get("response_format"), dict):
        return data
    response_format = data["response_format"]
    if response_format.get("type") == "json_schema" and response_format.get("json_schema") is None:
        raise VLLMValidationError(
            "When response_format type is 'json_schema', the 'json_schema' field must be provided.",
            parameter="response_format",
        )
    return data


def _cache_salt(data: Any) -> Any:
    if isinstance(data, dict):
        salt = data.get("cache_salt")
        if salt is not None and (not isinstance(salt, str) or not salt):
            raise VLLMValidationError(
                "Parameter 'cache_salt' must be a non-empty string if provided.", parameter="cache_salt"
            )
    return data


def _prompt_list_length(data: Any) -> Any:
    if not isinstance(data, dict):
        return data
    prompt = data.get("prompt")
    is_tokens = isinstance(prompt, list) and all(isinstance(item, int) for item in prompt)
    if isinstance(prompt, list) and prompt and not is_tokens and len(prompt) > _MAX_PROMPTS:
        raise VLLMValidationError(
            f"prompt list length {len(prompt)} exceeds the maximum allowed count of {_MAX_PROMPTS}. "
            "To increase this limit, set the VLLM_MAX_COMPLETION_PROMPTS environment variable.",
            parameter="prompt",
        )
    return data


def _prompt_present(data: Any) -> Any:
    if not isinstance(data, dict):
        return data
    prompt, embeds = data.get("prompt"), data.get("prompt_embeds")
    if (prompt is None or prompt == "") and (embeds is None or embeds == []):
        raise VLLMValidationError("Either prompt or prompt_embeds must be provided and non-empty.", parameter="prompt")
    return data


def _null_max_tokens(data: Any) -> Any:
    if isinstance(data, dict) and data.get("max_tokens") is None:
        return {**data, "max_tokens": 16}
    return data


def _removed_pooling_parameters(data: Any) -> Any:
    if isinstance(data, dict) and "normalize" in data:
        raise VLLMValidationError(
            "Parameter `normalize` was removed; use `use_activation` instead.", parameter="normalize"
        )
    return data


# The last validator a vLLM model defines runs first.
_CHAT_BEFORE: tuple[BeforeValidator, ...] = (
    _iterate_messages,
    _generation_prompt,
    _tool_usage,
    _chat_logprobs,
    _stream_options,
    _response_format,
    _cache_salt,
)
_COMPLETION_BEFORE: tuple[BeforeValidator, ...] = (
    _prompt_list_length,
    _prompt_present,
    _stream_options,
    _completion_logprobs,
    _response_format,
    _null_max_tokens,
    _cache_salt,
)


# -- the requests ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SamplingRequest:
    """What chat and completions share; ``body`` is the decoded JSON as sent (for ``reply`` callables)."""

    body: dict[str, Any]
    model: str | None
    frequency_penalty: float | None
    logit_bias: Any
    n: int | None
    presence_penalty: float | None
    seed: int | None
    stop: str | list[str]
    stream: bool | None
    stream_options: dict[str, Any] | None
    temperature: float | None
    top_p: float | None
    user: str | None
    use_beam_search: bool
    top_k: int | None
    min_p: float | None
    repetition_penalty: float | None
    stop_token_ids: list[int] | None
    include_stop_str_in_output: bool
    ignore_eos: bool
    min_tokens: int
    skip_special_tokens: bool | None
    add_special_tokens: bool
    response_format: Any
    request_id: str

    @property
    def include_usage(self) -> bool:
        """``stream_options`` present means usage unless it says ``include_usage: false`` (the default is true)."""
        return self.stream_options is not None and bool(self.stream_options["include_usage"])


@dataclass(frozen=True)
class ChatRequest(SamplingRequest):
    messages: list[dict[str, Any]]
    logprobs: bool | None
    top_logprobs: int
    max_tokens: int | None
    max_completion_tokens: int | None
    tools: list[dict[str, Any]] | None
    tool_choice: Any
    parallel_tool_calls: bool | None
    echo: bool
    add_generation_prompt: bool
    continue_final_message: bool
    chat_template: str | None


@dataclass(frozen=True)
class CompletionRequest(SamplingRequest):
    prompt: str | list[str] | list[int] | list[list[int]] | None
    echo: bool | None
    logprobs: int | None
    max_tokens: int | None
    suffix: str | None


@dataclass(frozen=True)
class EmbeddingRequest:
    body: dict[str, Any]
    model: str | None
    user: str | None
    truncate_prompt_tokens: int | None
    request_id: str
    input: str | list[str] | list[int] | list[list[int]]
    add_special_tokens: bool
    encoding_format: str
    dimensions: int | None


def _build(cls: type[Any], raw: Any, values: dict[str, Any]) -> Any:
    names = {each.name for each in fields(cls)}
    return cls(body=raw, **{name: value for name, value in values.items() if name in names})


def read_chat(headers: dict[str, str], body: bytes) -> ChatRequest:
    raw = decode_json(headers, body)
    values = validate_model(raw, "ChatCompletionRequest", _CHAT_FIELDS, _CHAT_BEFORE)
    request: ChatRequest = _build(ChatRequest, raw, values)
    return request


def read_completion(headers: dict[str, str], body: bytes) -> CompletionRequest:
    raw = decode_json(headers, body)
    values = validate_model(raw, "CompletionRequest", _COMPLETION_FIELDS, _COMPLETION_BEFORE)
    request: CompletionRequest = _build(CompletionRequest, raw, values)
    return request


def read_embedding(headers: dict[str, str], body: bytes) -> EmbeddingRequest:
    """vLLM tries five request shapes in a union; the stand-in reads the plain ``input`` one and reports its errors."""
    raw = decode_json(headers, body)
    values = validate_model(raw, "EmbeddingCompletionRequest", _EMBEDDING_FIELDS, (_removed_pooling_parameters,))
    request: EmbeddingRequest = _build(EmbeddingRequest, raw, values)
    return request

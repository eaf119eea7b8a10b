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

from ._body import decode_json, validate_model
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
from ._validators import CHAT_BEFORE, COMPLETION_BEFORE, EMBEDDING_BEFORE

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
# VLLM_MAX_STOP_STRINGS default.
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


def _optional(name: str, read: Reader) -> Field:
    """``name: X | None = None``, the commonest field of vLLM's request models."""
    return Field(name, nullable(read), None)


# The fields vLLM's request models declare alike (type and default); each model names them in its own order.
_ALIKE = {
    field.name: field
    for field in (
        _optional("model", to_str),
        _optional("frequency_penalty", to_float),
        _optional("logit_bias", anything),
        _optional("presence_penalty", to_float),
        _optional("response_format", anything),
        _optional("seed", _INT64),
        Field("stop", _STOP, list, factory=True),
        Field("stream", nullable(to_bool), False),
        Field("stream_options", _STREAM_OPTIONS, None),
        _optional("temperature", to_float),
        _optional("top_p", to_float),
        _optional("user", to_str),
        Field("request_id", to_str, random_uuid, factory=True),
    )
}
# vLLM's own sampling fields, which chat and completions declare together, in this order.
_SAMPLING_EXTRA = (
    Field("use_beam_search", to_bool, False),
    _optional("top_k", to_int),
    _optional("min_p", to_float),
    _optional("repetition_penalty", to_float),
    Field("stop_token_ids", nullable(list_of(to_int)), list, factory=True),
    Field("include_stop_str_in_output", to_bool, False),
    Field("ignore_eos", to_bool, False),
    Field("min_tokens", to_int, 0),
    _optional("skip_special_tokens", to_bool),
)


def _declared(*entries: str | Field) -> tuple[Field, ...]:
    """A model's fields in declaration order: a name stands for the field of ``_ALIKE``."""
    return tuple(_ALIKE[entry] if isinstance(entry, str) else entry for entry in entries)


_CHAT_FIELDS = _declared(
    Field("messages", list_of(_message)),
    "model",
    "frequency_penalty",
    "logit_bias",
    Field("logprobs", nullable(to_bool), False),
    Field("top_logprobs", _top_logprobs, 0),
    _optional("max_tokens", to_int),
    _optional("max_completion_tokens", to_int),
    Field("n", nullable(to_int), 1),
    "presence_penalty",
    "response_format",
    "seed",
    "stop",
    "stream",
    "stream_options",
    "temperature",
    "top_p",
    _optional("tools", list_of(_TOOL)),
    Field("tool_choice", anything, "none"),
    Field("parallel_tool_calls", nullable(to_bool), True),
    "user",
    *_SAMPLING_EXTRA,
    Field("echo", to_bool, False),
    Field("add_generation_prompt", to_bool, True),
    Field("continue_final_message", to_bool, False),
    Field("add_special_tokens", to_bool, False),
    _optional("chat_template", to_str),
    "request_id",
)

_COMPLETION_FIELDS = _declared(
    "model",
    _optional("prompt", _TEXTS),
    Field("echo", nullable(to_bool), False),
    "frequency_penalty",
    "logit_bias",
    _optional("logprobs", to_int),
    Field("max_tokens", nullable(to_int), 16),
    Field("n", to_int, 1),
    "presence_penalty",
    "seed",
    "stop",
    "stream",
    "stream_options",
    _optional("suffix", to_str),
    "temperature",
    "top_p",
    "user",
    *_SAMPLING_EXTRA,
    Field("add_special_tokens", to_bool, True),
    "response_format",
    "request_id",
)

_EMBEDDING_FIELDS = _declared(
    "model",
    "user",
    _optional("truncate_prompt_tokens", integer(ge=-1)),
    "request_id",
    Field("input", _TEXTS),
    Field("add_special_tokens", to_bool, True),
    Field("encoding_format", literal("float", "base64", "bytes", "bytes_only"), "float"),
    _optional("dimensions", to_int),
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
    values = validate_model(raw, "ChatCompletionRequest", _CHAT_FIELDS, CHAT_BEFORE)
    request: ChatRequest = _build(ChatRequest, raw, values)
    return request


def read_completion(headers: dict[str, str], body: bytes) -> CompletionRequest:
    raw = decode_json(headers, body)
    values = validate_model(raw, "CompletionRequest", _COMPLETION_FIELDS, COMPLETION_BEFORE)
    request: CompletionRequest = _build(CompletionRequest, raw, values)
    return request


def read_embedding(headers: dict[str, str], body: bytes) -> EmbeddingRequest:
    """vLLM tries five request shapes in a union; the stand-in reads the plain ``input`` one and reports its errors."""
    raw = decode_json(headers, body)
    values = validate_model(raw, "EmbeddingCompletionRequest", _EMBEDDING_FIELDS, EMBEDDING_BEFORE)
    request: EmbeddingRequest = _build(EmbeddingRequest, raw, values)
    return request

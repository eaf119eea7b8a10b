"""TGI's request bodies as typed readers (field names, types and defaults of router/src/lib.rs).

``read_generate_request`` and ``read_chat_request`` raise ``JsonError`` exactly where axum's ``Json``
extractor would reject the body; the HTTP layer turns that into the 400/422 text/plain rejection.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from ._json import Reader
from ._serde import (
    ANY,
    BOOL,
    F32,
    I32,
    STRING,
    U32,
    U64,
    USIZE,
    AdjacentlyTagged,
    Field,
    Kind,
    Optional,
    Seq,
    Struct,
    read_document,
    read_object,
)

__all__ = [
    "ChatRequest",
    "GenerateParameters",
    "GenerateRequest",
    "Grammar",
    "read_chat_request",
    "read_generate_request",
]


@dataclass(frozen=True)
class Grammar:
    """``{"type": kind, "value": value}``; kind is canonical ("json_object" reads as "json")."""

    kind: str
    value: Any

    def as_dict(self) -> dict[str, Any]:
        return {"type": self.kind, "value": self.value}


@dataclass(frozen=True)
class GenerateParameters:
    """TGI's GenerateParameters after serde: an omitted field has its serde default."""

    best_of: int | None = None
    temperature: float | None = None
    repetition_penalty: float | None = None
    frequency_penalty: float | None = None
    top_k: int | None = None
    top_p: float | None = None
    typical_p: float | None = None
    do_sample: bool = False
    max_new_tokens: int | None = None
    return_full_text: bool | None = None
    stop: tuple[str, ...] = ()
    truncate: int | None = None
    watermark: bool = False
    details: bool = False
    decoder_input_details: bool = False
    seed: int | None = None
    top_n_tokens: int | None = None
    grammar: Grammar | None = None
    adapter_id: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """The parameters as the reply callable receives them (JSON-shaped, every field present)."""
        values = asdict(self)
        values["stop"] = list(self.stop)
        values["grammar"] = self.grammar.as_dict() if self.grammar is not None else None
        return values


# With no `parameters` key at all TGI applies default_parameters(), whose do_sample is true.
DEFAULT_PARAMETERS = GenerateParameters(do_sample=True)


@dataclass(frozen=True)
class GenerateRequest:
    inputs: str
    parameters: GenerateParameters
    stream: bool = False


@dataclass(frozen=True)
class ChatRequest:
    """The fields of TGI's ChatRequest that change what it generates or returns."""

    messages: list[dict[str, Any]]
    model: str | None = None
    frequency_penalty: float | None = None
    logprobs: bool | None = None
    top_logprobs: int | None = None
    max_tokens: int | None = None
    presence_penalty: float | None = None
    seed: int | None = None
    stop: list[str] | None = None
    stream: bool = False
    temperature: float | None = None
    top_p: float | None = None
    tools: list[Any] | None = None
    response_format: Grammar | None = None
    include_usage: bool = False


@dataclass(frozen=True)
class _Mapped:
    """A kind whose value is converted after reading (dict -> dataclass)."""

    inner: Kind
    convert: Callable[[Any], Any] = field(repr=False)

    @property
    def expecting(self) -> str:
        return self.inner.expecting

    def read(self, reader: Reader) -> Any:
        return self.convert(self.inner.read(reader))


_JSON_SCHEMA_CONFIG = Struct("JsonSchemaConfig", (Field("name", Optional(STRING), None), Field("schema", ANY)))

# serde lists a variant's aliases with its name, so `json_object` comes right after `json`.
_GRAMMAR: Kind = _Mapped(
    AdjacentlyTagged(
        "GrammarType",
        (
            ("json", "json", ANY),
            ("json_object", "json", ANY),
            ("regex", "regex", STRING),
            ("json_schema", "json_schema", _JSON_SCHEMA_CONFIG),
        ),
    ),
    lambda pair: Grammar(*pair),
)


def _parameters(values: dict[str, Any]) -> GenerateParameters:
    return GenerateParameters(**{**values, "stop": tuple(values["stop"])})


_PARAMETERS: Kind = _Mapped(
    Struct(
        "GenerateParameters",
        (
            Field("best_of", Optional(USIZE), None),
            Field("temperature", Optional(F32), None),
            Field("repetition_penalty", Optional(F32), None),
            Field("frequency_penalty", Optional(F32), None),
            Field("top_k", Optional(I32), None),
            Field("top_p", Optional(F32), None),
            Field("typical_p", Optional(F32), None),
            Field("do_sample", BOOL, False),
            Field("max_new_tokens", Optional(U32), None),
            Field("return_full_text", Optional(BOOL), None),
            Field("stop", Seq(STRING), list),
            Field("truncate", Optional(USIZE), None),
            Field("watermark", BOOL, False),
            Field("details", BOOL, False),
            Field("decoder_input_details", BOOL, False),
            Field("seed", Optional(U64), None),
            Field("top_n_tokens", Optional(U32), None),
            Field("grammar", Optional(_GRAMMAR), None),
            Field("adapter_id", Optional(STRING), None),
        ),
    ),
    _parameters,
)

_GENERATE_FIELDS = (Field("inputs", STRING), Field("parameters", _PARAMETERS, DEFAULT_PARAMETERS))
_GENERATE = Struct("GenerateRequest", _GENERATE_FIELDS)
_COMPAT = Struct("CompatGenerateRequest", (*_GENERATE_FIELDS, Field("stream", BOOL, False)))


def read_generate_request(body: bytes, *, compat: bool = False) -> GenerateRequest:
    """The body of /generate, /generate_stream, /tokenize, or (``compat``) of the route ``/``."""
    values = read_document(_COMPAT if compat else _GENERATE, body)
    return GenerateRequest(values["inputs"], values["parameters"], values.get("stream", False))


# -- the Messages API -------------------------------------------------------------------------------------
def _is_chunk(chunk: Any) -> bool:
    if not isinstance(chunk, dict):
        return False
    if chunk.get("type") == "text":
        return isinstance(chunk.get("text"), str)
    image = chunk.get("image_url")
    return chunk.get("type") == "image_url" and isinstance(image, dict) and isinstance(image.get("url"), str)


def _is_content(content: Any) -> bool:
    return isinstance(content, str) or (isinstance(content, list) and all(map(_is_chunk, content)))


def _is_tool_calls(calls: Any) -> bool:
    return isinstance(calls, list) and all(
        isinstance(call, dict)
        and isinstance(call.get("function"), dict)
        and isinstance(call["function"].get("name"), str)
        for call in calls
    )


_MESSAGE_FIELDS = (Field("role", STRING), Field("name", Optional(STRING), None))
_MESSAGE_KEYS = {each.name: each for each in _MESSAGE_FIELDS}


@dataclass(frozen=True)
class _Message:
    """TGI's Message: ``role``, ``name`` and a flattened untagged body (``content`` or ``tool_calls``)."""

    expecting: str = "struct Message"

    def read(self, reader: Reader) -> dict[str, Any]:
        rest: dict[str, Any] = {}
        values = read_object(reader, self.expecting, _MESSAGE_KEYS, _MESSAGE_FIELDS, rest)
        if not (_is_content(rest.get("content")) or _is_tool_calls(rest.get("tool_calls"))):
            raise reader.data_error("data did not match any variant of untagged enum MessageBody")
        message = {"role": values["role"], **rest}
        if values["name"] is not None:
            message["name"] = values["name"]
        return message


_STREAM_OPTIONS = Struct("StreamOptions", (Field("include_usage", BOOL, False),))

_CHAT = Struct(
    "ChatRequest",
    (
        Field("model", Optional(STRING), None),
        Field("messages", Seq(_Message())),
        Field("frequency_penalty", Optional(F32), None),
        Field("logit_bias", Optional(Seq(F32)), None),
        Field("logprobs", Optional(BOOL), None),
        Field("top_logprobs", Optional(U32), None),
        Field("max_tokens", Optional(U32), None, aliases=("max_completion_tokens",)),
        Field("n", Optional(U32), None),
        Field("presence_penalty", Optional(F32), None),
        Field("seed", Optional(U64), None),
        Field("stop", Optional(Seq(STRING)), None),
        Field("stream", BOOL, False),
        Field("temperature", Optional(F32), None),
        Field("top_p", Optional(F32), None),
        Field("tools", Optional(Seq(ANY)), None),
        Field("tool_prompt", Optional(STRING), None),
        Field("tool_choice", ANY, None),
        Field("response_format", Optional(_GRAMMAR), None),
        Field("stream_options", Optional(_STREAM_OPTIONS), None),
    ),
)

_CHAT_KEEP = frozenset(ChatRequest.__dataclass_fields__) - {"include_usage"}


def read_chat_request(body: bytes) -> ChatRequest:
    """The body of /v1/chat/completions."""
    values = read_document(_CHAT, body)
    options = values["stream_options"]
    include_usage = bool(options and options["include_usage"])
    return ChatRequest(**{key: values[key] for key in _CHAT_KEEP}, include_usage=include_usage)

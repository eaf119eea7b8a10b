"""Typed readers that accept and reject JSON the way TGI's serde-derived request types do.

Each reader consumes one value from a ``Reader`` and returns plain Python data, or raises a data
``JsonError`` worded like serde ("invalid type: string \\"x\\", expected f32"). Reading and checking are
interleaved in document order, as in serde, so the first problem in the body is the one reported.
"""

from __future__ import annotations

import decimal
import json
import math
import struct
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from ._json import JsonError, Reader

__all__ = [
    "ANY",
    "BOOL",
    "F32",
    "I32",
    "STRING",
    "U32",
    "U64",
    "USIZE",
    "AdjacentlyTagged",
    "Field",
    "Kind",
    "Optional",
    "Seq",
    "Struct",
    "read_document",
]

_F32_MAX = 3.4028234663852886e38


class Kind(Protocol):
    """A target type: what serde says it expected, and how to read one value of it."""

    @property
    def expecting(self) -> str: ...

    def read(self, reader: Reader) -> Any: ...


def read_document(kind: Kind, data: bytes) -> Any:
    """Read a whole body as axum's ``Json`` extractor does (no trailing-characters check)."""
    return kind.read(Reader(data))


# -- serde's wording ------------------------------------------------------------------------------------
def ryu(value: float) -> str:
    """A float as serde_json prints it in errors (the ryu crate): ``1.0``, ``1e20``, ``1e-7``."""
    if value == 0:
        return "-0.0" if math.copysign(1.0, value) < 0 else "0.0"
    sign = "-" if value < 0 else ""
    parts = decimal.Decimal(repr(abs(value))).as_tuple()
    digits = "".join(map(str, parts.digits))
    exponent = int(parts.exponent)
    while len(digits) > 1 and digits.endswith("0"):
        digits, exponent = digits[:-1], exponent + 1
    point = len(digits) + exponent
    if exponent >= 0 and point <= 16:
        text = digits + "0" * exponent + ".0"
    elif 0 < point <= 16:
        text = f"{digits[:point]}.{digits[point:]}"
    elif -5 < point <= 0:
        text = "0." + "0" * -point + digits
    elif len(digits) == 1:
        text = f"{digits}e{point - 1}"
    else:
        text = f"{digits[0]}.{digits[1:]}e{point - 1}"
    return sign + text


def rust_debug(text: str) -> str:
    """A string as Rust's ``{:?}`` prints it (serde's ``Unexpected::Str``)."""
    out = []
    for char in text:
        if char in '"\\':
            out.append("\\" + char)
        elif char in "\n\r\t":
            out.append({"\n": "\\n", "\r": "\\r", "\t": "\\t"}[char])
        elif char == "\0":
            out.append("\\0")
        elif char.isprintable():
            out.append(char)
        else:
            out.append(f"\\u{{{ord(char):x}}}")
    return '"' + "".join(out) + '"'


def unexpected(kind: str, value: Any) -> str:
    if kind == "null":
        return "null"
    if kind == "bool":
        return f"boolean `{'true' if value else 'false'}`"
    if kind in ("uint", "int"):
        return f"integer `{value}`"
    if kind == "float":
        return f"floating point `{ryu(value)}`"
    return f"string {rust_debug(value)}"


def _container_or_scalar(reader: Reader, expecting: str) -> tuple[str, Any]:
    """Peek a value that is not what ``expecting`` wants unless it is a scalar; reject containers at the peek."""
    byte = reader.peek_value()
    if byte in (ord("["), ord("{")):
        what = "sequence" if byte == ord("[") else "map"
        raise reader.data_error(f"invalid type: {what}, expected {expecting}")
    return reader.scalar()


def _invalid_type(reader: Reader, kind: str, value: Any, expecting: str) -> JsonError:
    return reader.data_error(f"invalid type: {unexpected(kind, value)}, expected {expecting}")


# -- scalars --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Scalar:
    expecting: str
    convert: Callable[[Reader, str, Any, str], Any] = field(repr=False)

    def read(self, reader: Reader) -> Any:
        kind, value = _container_or_scalar(reader, self.expecting)
        return self.convert(reader, kind, value, self.expecting)


def _bool(reader: Reader, kind: str, value: Any, expecting: str) -> bool:
    if kind != "bool":
        raise _invalid_type(reader, kind, value, expecting)
    return bool(value)


def _string(reader: Reader, kind: str, value: Any, expecting: str) -> str:
    if kind != "string":
        raise _invalid_type(reader, kind, value, expecting)
    return str(value)


def _f32(reader: Reader, kind: str, value: Any, expecting: str) -> float:
    if kind not in ("uint", "int", "float"):
        raise _invalid_type(reader, kind, value, expecting)
    number = float(value)
    if abs(number) > _F32_MAX:  # Rust's `as f32` saturates to infinity
        return math.copysign(math.inf, number)
    # Round through f32 so that, e.g., top_p 0.99999999 becomes 1.0 and is refused as in TGI.
    return float(struct.unpack("<f", struct.pack("<f", number))[0])


def _integer(low: int, high: int) -> Callable[[Reader, str, Any, str], int]:
    def convert(reader: Reader, kind: str, value: Any, expecting: str) -> int:
        if kind not in ("uint", "int"):
            raise _invalid_type(reader, kind, value, expecting)
        if not low <= value <= high:
            raise reader.data_error(f"invalid value: integer `{value}`, expected {expecting}")
        return int(value)

    return convert


BOOL: Kind = _Scalar("a boolean", _bool)
STRING: Kind = _Scalar("a string", _string)
F32: Kind = _Scalar("f32", _f32)
I32: Kind = _Scalar("i32", _integer(-(2**31), 2**31 - 1))
U32: Kind = _Scalar("u32", _integer(0, 2**32 - 1))
U64: Kind = _Scalar("u64", _integer(0, 2**64 - 1))
USIZE: Kind = _Scalar("usize", _integer(0, 2**64 - 1))


@dataclass(frozen=True)
class _Any:
    """serde_json::Value: any JSON."""

    expecting: str = "any valid JSON value"

    def read(self, reader: Reader) -> Any:
        return reader.any()


ANY: Kind = _Any()


# -- composites -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Optional:
    """``Option<T>``: null is None, anything else must be a T (and T's expectation is reported)."""

    inner: Kind

    @property
    def expecting(self) -> str:
        return self.inner.expecting

    def read(self, reader: Reader) -> Any:
        if reader.peek_value() == ord("n"):
            reader.scalar()  # "null", or serde_json's ident error for e.g. `nul`
            return None
        return self.inner.read(reader)


@dataclass(frozen=True)
class Seq:
    """``Vec<T>``."""

    inner: Kind
    expecting: str = "a sequence"

    def read(self, reader: Reader) -> list[Any]:
        if reader.peek_value() != ord("["):
            kind, value = _container_or_scalar(reader, self.expecting)
            raise _invalid_type(reader, kind, value, self.expecting)
        reader.enter()
        items: list[Any] = []
        while reader.next_element(not items):
            reader.path.append(len(items))
            items.append(self.inner.read(reader))
            reader.path.pop()
        reader.end_array()
        return items


_REQUIRED: Any = object()


@dataclass(frozen=True)
class Field:
    """One struct field; ``default`` (a value or a zero-argument factory) makes it optional."""

    name: str
    kind: Kind
    default: Any = _REQUIRED
    aliases: tuple[str, ...] = ()

    def missing_value(self) -> Any:
        return self.default() if callable(self.default) else self.default


@dataclass(frozen=True)
class Struct:
    """A serde-derived struct read from a JSON object; unknown keys are skipped (no deny_unknown_fields)."""

    name: str
    fields: tuple[Field, ...]

    @property
    def expecting(self) -> str:
        return f"struct {self.name}"

    def read(self, reader: Reader) -> dict[str, Any]:
        by_key = {key: f for f in self.fields for key in (f.name, *f.aliases)}
        return read_object(reader, self.expecting, by_key, self.fields)


def read_object(
    reader: Reader,
    expecting: str,
    by_key: Mapping[str, Field],
    fields: tuple[Field, ...],
    rest: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Read a JSON object into declared fields; keys not declared go to ``rest`` (serde flatten) or are skipped."""
    if reader.peek_value() != ord("{"):
        kind, value = _container_or_scalar(reader, expecting)
        raise _invalid_type(reader, kind, value, expecting)
    reader.enter()
    values: dict[str, Any] = {}
    first = True
    while (key := reader.next_key(first)) is not None:
        first = False
        target = by_key.get(key)
        if target is not None and target.name in values:
            # serde refuses the key before its value; serde_json then reports the spot after the key.
            raise reader.data_error(f"duplicate field `{target.name}`", reader.after_whitespace())
        reader.path.append(key)
        reader.colon()
        if target is not None:
            values[target.name] = target.kind.read(reader)
        elif rest is not None:
            rest[key] = reader.any()
        else:
            reader.any()
        reader.path.pop()
    reader.end_object()
    for each in fields:
        if each.name not in values:
            if each.default is _REQUIRED:
                raise reader.data_error(f"missing field `{each.name}`")
            values[each.name] = each.missing_value()
    return values


@dataclass(frozen=True)
class AdjacentlyTagged:
    """``#[serde(tag = "type", content = "value")]`` enum; ``variants`` maps each accepted tag
    (aliases included, in serde's order) to its canonical name and content type."""

    name: str
    variants: tuple[tuple[str, str, Kind], ...]

    @property
    def expecting(self) -> str:
        return f"adjacently tagged enum {self.name}"

    def read(self, reader: Reader) -> tuple[str, Any]:
        if reader.peek_value() != ord("{"):
            kind, value = _container_or_scalar(reader, self.expecting)
            raise _invalid_type(reader, kind, value, self.expecting)
        by_tag = {tag: (canonical, kind) for tag, canonical, kind in self.variants}
        reader.enter()
        tag: tuple[str, Kind] | None = None
        content: Any = _REQUIRED
        buffered: bytes | None = None
        seen: set[str] = set()
        first = True
        while (key := reader.next_key(first)) is not None:
            first = False
            if key in seen:
                raise reader.data_error(f"duplicate field `{key}`", reader.after_whitespace())
            if key in ("type", "value"):
                seen.add(key)
            reader.path.append(key)
            reader.colon()
            if key == "type":
                tag = self._tag(reader, by_tag)
            elif key == "value" and tag is not None:
                content = tag[1].read(reader)
            elif key == "value":
                # The content came before the tag: serde buffers it and reads it once the tag is known.
                buffered = json.dumps(reader.any()).encode()
            else:
                reader.any()
            reader.path.pop()
        reader.end_object()
        if tag is None:
            raise reader.data_error("missing field `type`")
        if buffered is not None:
            content = self._replay(reader, tag[1], buffered)
        if content is _REQUIRED:
            raise reader.data_error("missing field `value`")
        return tag[0], content

    def _tag(self, reader: Reader, by_tag: Mapping[str, tuple[str, Kind]]) -> tuple[str, Kind]:
        kind, value = _container_or_scalar(reader, "variant identifier")
        if kind != "string":
            raise _invalid_type(reader, kind, value, "variant identifier")
        if value not in by_tag:
            names = [f"`{tag}`" for tag, _, _ in self.variants]
            raise reader.data_error(f"unknown variant `{value}`, expected one of {', '.join(names)}")
        return by_tag[value]

    @staticmethod
    def _replay(reader: Reader, kind: Kind, buffered: bytes) -> Any:
        try:
            return kind.read(Reader(buffered))
        except JsonError as error:  # reported where serde reports it: at the enum, after its `}`
            raise reader.data_error(error.message) from None

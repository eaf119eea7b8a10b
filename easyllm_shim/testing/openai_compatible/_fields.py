"""Request fields read the way pydantic v2 validates vLLM's request models (lax mode, Python input).

FastAPI hands the decoded JSON to pydantic, which coerces where it can ("0.5" is a float, 1 is a
bool) and otherwise reports every failing field, in declaration order, as an error dict
``{"type", "loc", "msg", "input"[, "ctx"]}``; vLLM renders those into its 400 message. The readers
here reproduce the types, messages and ``loc`` paths of the fields the stand-in reads.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "Field",
    "Invalid",
    "anything",
    "error",
    "integer",
    "list_of",
    "literal",
    "model",
    "nullable",
    "read_fields",
    "to_bool",
    "to_float",
    "to_int",
    "to_str",
]

Loc = tuple[str | int, ...]
Error = dict[str, Any]
Reader = Callable[[Any, Loc], Any]

# pydantic's str -> bool table (case-insensitive, no stripping).
_TRUE = frozenset({"1", "on", "t", "true", "y", "yes"})
_FALSE = frozenset({"0", "off", "f", "false", "n", "no"})
_ZERO_FRACTION = re.compile(r"(?<=\d)\.0+$")


class Invalid(Exception):
    """One value's validation errors."""

    def __init__(self, errors: list[Error]) -> None:
        super().__init__(errors)
        self.errors = errors


def error(kind: str, loc: Loc, msg: str, value: Any, ctx: dict[str, Any] | None = None) -> Error:
    """A pydantic error dict, keys in pydantic's order."""
    found: Error = {"type": kind, "loc": loc, "msg": msg, "input": value}
    if ctx is not None:
        found["ctx"] = ctx
    return found


def _fail(kind: str, loc: Loc, msg: str, value: Any, ctx: dict[str, Any] | None = None) -> Invalid:
    return Invalid([error(kind, loc, msg, value, ctx)])


def to_float(value: Any, loc: Loc) -> float:
    if isinstance(value, bool | int | float):
        try:
            return float(value)
        except OverflowError:  # an int beyond any float
            raise _fail("float_type", loc, "Input should be a valid number", value) from None
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            message = "Input should be a valid number, unable to parse string as a number"
            raise _fail("float_parsing", loc, message, value) from None
    raise _fail("float_type", loc, "Input should be a valid number", value)


def _int(value: Any, loc: Loc) -> int:
    if isinstance(value, bool | int):
        return int(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise _fail("finite_number", loc, "Input should be a finite number", value)
        if not value.is_integer():
            message = "Input should be a valid integer, got a number with a fractional part"
            raise _fail("int_from_float", loc, message, value)
        if not -(2.0**63) < value < 2.0**63:
            message = "Unable to parse input string as an integer, exceeded maximum size"
            raise _fail("int_parsing_size", loc, message, value)
        return int(value)
    if isinstance(value, str):
        # Python's int() syntax (signs, spaces, underscores), plus a fraction of zeros ("3.00").
        text = _ZERO_FRACTION.sub("", value.strip())
        try:
            return int(text)
        except ValueError:
            message = "Input should be a valid integer, unable to parse string as an integer"
            raise _fail("int_parsing", loc, message, value) from None
    raise _fail("int_type", loc, "Input should be a valid integer", value)


def integer(*, ge: int | None = None, le: int | None = None) -> Reader:
    """An int field, with pydantic's ``ge``/``le`` constraint errors."""

    def read(value: Any, loc: Loc) -> int:
        number = _int(value, loc)
        if ge is not None and number < ge:
            raise _fail("greater_than_equal", loc, f"Input should be greater than or equal to {ge}", value, {"ge": ge})
        if le is not None and number > le:
            raise _fail("less_than_equal", loc, f"Input should be less than or equal to {le}", value, {"le": le})
        return number

    return read


to_int = integer()


def to_bool(value: Any, loc: Loc) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.lower() in _TRUE | _FALSE:
        return value.lower() in _TRUE
    # A fractional number is not even a candidate; an integral one or any other string could have been.
    if isinstance(value, float) and not value.is_integer():
        raise _fail("bool_type", loc, "Input should be a valid boolean", value)
    if isinstance(value, int | float | str):
        raise _fail("bool_parsing", loc, "Input should be a valid boolean, unable to interpret input", value)
    raise _fail("bool_type", loc, "Input should be a valid boolean", value)


def to_str(value: Any, loc: Loc) -> str:
    if isinstance(value, str):
        return value
    raise _fail("string_type", loc, "Input should be a valid string", value)


def anything(value: Any, loc: Loc) -> Any:
    return value


def nullable(inner: Reader) -> Reader:
    """``X | None``: pydantic's nullable schema, so errors keep the field's own ``loc``."""

    def read(value: Any, loc: Loc) -> Any:
        return None if value is None else inner(value, loc)

    return read


def list_of(item: Reader, *, max_length: int | None = None) -> Reader:
    """``list[X]``: every bad item reported at its index; a length limit checked after the items."""

    def read(value: Any, loc: Loc) -> list[Any]:
        if not isinstance(value, list):
            raise _fail("list_type", loc, "Input should be a valid list", value)
        items, errors = [], []
        for index, each in enumerate(value):
            try:
                items.append(item(each, (*loc, index)))
            except Invalid as invalid:
                errors.extend(invalid.errors)
        if errors:
            raise Invalid(errors)
        if max_length is not None and len(items) > max_length:
            ctx = {"field_type": "List", "max_length": max_length, "actual_length": len(items)}
            message = f"List should have at most {max_length} item{'s' if max_length != 1 else ''} after validation, "
            raise _fail("too_long", loc, f"{message}not {len(items)}", value, ctx)
        return items

    return read


def literal(*choices: str) -> Reader:
    """``Literal[...]``: pydantic lists the choices as ``'a', 'b' or 'c'``."""
    quoted = [repr(choice) for choice in choices]
    expected = quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"

    def read(value: Any, loc: Loc) -> str:
        if isinstance(value, str) and value in choices:
            return value
        raise _fail("literal_error", loc, f"Input should be {expected}", value, {"expected": expected})

    return read


@dataclass(frozen=True)
class Field:
    """One model field; ``default`` is a value, or a zero-argument factory when ``factory`` is set."""

    name: str
    read: Reader
    default: Any = ...
    factory: bool = False

    @property
    def required(self) -> bool:
        return self.default is ... and not self.factory


def read_fields(data: dict[str, Any], fields: Sequence[Field], loc: Loc) -> tuple[dict[str, Any], list[Error]]:
    """Every field in declaration order: values (defaults for the missing ones) and all errors together."""
    values: dict[str, Any] = {}
    errors: list[Error] = []
    for field in fields:
        if field.name not in data:
            if field.required:
                errors.append(error("missing", (*loc, field.name), "Field required", data))
            else:
                values[field.name] = field.default() if field.factory else field.default
            continue
        try:
            values[field.name] = field.read(data[field.name], (*loc, field.name))
        except Invalid as invalid:
            errors.extend(invalid.errors)
    return values, errors


def model(class_name: str, fields: Sequence[Field]) -> Reader:
    """A nested model (``StreamOptions``): a dict whose fields are read in turn."""

    def read(value: Any, loc: Loc) -> dict[str, Any]:
        if not isinstance(value, dict):
            message = f"Input should be a valid dictionary or instance of {class_name}"
            raise _fail("model_type", loc, message, value, {"class_name": class_name})
        values, errors = read_fields(value, fields, loc)
        if errors:
            raise Invalid(errors)
        return values

    return read

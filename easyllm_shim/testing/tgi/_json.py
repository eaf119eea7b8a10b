"""Byte-level JSON reading that fails the way serde_json does.

TGI reads request bodies with serde_json (through axum and serde_path_to_error), so a bad body is
rejected with serde_json's wording, a byte-based ``line``/``column`` and the JSON path where reading
stopped. This reader reproduces those: positions are taken where serde_json takes them (after a
consumed value, or one past a peeked byte), and ``path`` is kept by the typed readers in ``_serde``.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["JsonError", "Reader", "describe_path"]

_WHITESPACE = re.compile(rb"[ \t\n\r]*")
_PLAIN_STRING = re.compile(rb'[^"\\\x00-\x1f]*')
_DIGITS = re.compile(rb"[0-9]*")
_HEX4 = re.compile(rb"[0-9a-fA-F]{4}")
_ESCAPES = {ord('"'): b'"', ord("\\"): b"\\", ord("/"): b"/", ord("b"): b"\b", ord("f"): b"\f"}
_ESCAPES.update({ord("n"): b"\n", ord("r"): b"\r", ord("t"): b"\t"})
_U64_MAX = 2**64 - 1
_I64_MIN = -(2**63)
# serde_json's default recursion budget: the 128th nested container is refused.
_MAX_DEPTH = 128

EOF_VALUE = "EOF while parsing a value"
_EOF_OBJECT = "EOF while parsing an object"
_EOF_LIST = "EOF while parsing a list"


def describe_path(path: tuple[str | int, ...]) -> str:
    """serde_path_to_error's rendering: ``parameters.stop[0]``; empty for the root."""
    text = ""
    for segment in path:
        text += f"[{segment}]" if isinstance(segment, int) else (f".{segment}" if text else segment)
    return text


class JsonError(Exception):
    """One serde_json error: its message, position and path; ``syntax`` False means a type (data) error."""

    def __init__(self, message: str, line: int, column: int, path: tuple[str | int, ...], *, syntax: bool) -> None:
        self.message = message
        self.line = line
        self.column = column
        self.path = path
        self.syntax = syntax
        super().__init__(self.describe())

    def describe(self) -> str:
        """``path: message at line L column C``, as axum prints it after its rejection prefix."""
        where = describe_path(self.path)
        prefix = f"{where}: " if where else ""
        return f"{prefix}{self.message} at line {self.line} column {self.column}"


class Reader:
    """A cursor over one JSON document; the typed readers in ``_serde`` drive it like serde drives serde_json."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.index = 0
        self.path: list[str | int] = []
        self._depth = 0

    # -- errors -------------------------------------------------------------------------------------
    def fail(
        self, message: str, index: int, *, syntax: bool = True, path: tuple[str | int, ...] | None = None
    ) -> JsonError:
        start_of_line = self.data.rfind(b"\n", 0, index) + 1
        line = 1 + self.data.count(b"\n", 0, start_of_line)
        where = tuple(self.path) if path is None else path
        return JsonError(message, line, index - start_of_line, where, syntax=syntax)

    def error(self, message: str) -> JsonError:
        return self.fail(message, self.index)

    def peek_error(self, message: str) -> JsonError:
        return self.fail(message, min(self.index + 1, len(self.data)))

    def data_error(self, message: str, index: int | None = None) -> JsonError:
        return self.fail(message, self.index if index is None else index, syntax=False)

    # -- cursor -------------------------------------------------------------------------------------
    def peek(self) -> int | None:
        """Skip whitespace and return the next byte without consuming it (None at the end)."""
        match = _WHITESPACE.match(self.data, self.index)
        assert match is not None  # the pattern also matches the empty string
        self.index = match.end()
        return self.data[self.index] if self.index < len(self.data) else None

    def peek_value(self) -> int:
        byte = self.peek()
        if byte is None:
            raise self.peek_error(EOF_VALUE)
        return byte

    def after_whitespace(self) -> int:
        match = _WHITESPACE.match(self.data, self.index)
        assert match is not None
        return match.end()

    def finish(self) -> None:
        """serde_json::from_str's end check (axum's extractor does not make it)."""
        if self.peek() is not None:
            raise self.peek_error("trailing characters")

    # -- scalars ------------------------------------------------------------------------------------
    def scalar(self) -> tuple[str, Any]:
        """Read null, a boolean, a number or a string: ``(kind, value)`` with kind in
        null/bool/uint/int/float/string. The caller has ruled out ``[`` and ``{``."""
        byte = self.peek_value()
        if byte == ord('"'):
            self.index += 1
            return "string", self._string()
        if byte == ord("n"):
            self._ident(b"null")
            return "null", None
        if byte == ord("t"):
            self._ident(b"true")
            return "bool", True
        if byte == ord("f"):
            self._ident(b"false")
            return "bool", False
        if byte == ord("-") or ord("0") <= byte <= ord("9"):
            return self._number()
        raise self.peek_error("expected value")

    def _ident(self, word: bytes) -> None:
        self.index += 1
        for expected in word[1:]:
            if self.index >= len(self.data):
                raise self.error(EOF_VALUE)
            actual = self.data[self.index]
            self.index += 1
            if actual != expected:
                raise self.error("expected ident")

    def _number(self) -> tuple[str, Any]:
        data, start = self.data, self.index
        negative = data[start] == ord("-")
        if negative:
            self.index += 1
        if self.index >= len(data):
            raise self.error(EOF_VALUE)
        first = data[self.index]
        self.index += 1
        if first == ord("0"):
            if self.index < len(data) and ord("0") <= data[self.index] <= ord("9"):
                raise self.peek_error("invalid number")
        elif ord("1") <= first <= ord("9"):
            self.index = self._digits_end()
        else:
            raise self.error("invalid number")
        is_float = False
        if self.index < len(data) and data[self.index] == ord("."):
            is_float = True
            self.index += 1
            end = self._digits_end()
            if end == self.index:
                raise self.peek_error("invalid number" if end < len(data) else EOF_VALUE)
            self.index = end
        if self.index < len(data) and data[self.index] in b"eE":
            is_float = True
            self._exponent()
        text = data[start : self.index]
        if not is_float:
            value = int(text)
            if 0 <= value <= _U64_MAX and not (negative and value == 0):
                return "uint", value
            if _I64_MIN <= value < 0:
                return "int", value
        number = float(text)
        if number in (float("inf"), float("-inf")):
            raise self.error("number out of range")
        return "float", number

    def _digits_end(self) -> int:
        match = _DIGITS.match(self.data, self.index)
        assert match is not None
        return match.end()

    def _exponent(self) -> None:
        data = self.data
        self.index += 1
        if self.index < len(data) and data[self.index] in b"+-":
            self.index += 1
        if self.index >= len(data):
            raise self.error(EOF_VALUE)
        digit = data[self.index]
        self.index += 1
        if not ord("0") <= digit <= ord("9"):
            raise self.error("invalid number")
        self.index = self._digits_end()

    def _string(self) -> str:
        data, out = self.data, bytearray()
        while True:
            match = _PLAIN_STRING.match(data, self.index)
            assert match is not None
            out += data[self.index : match.end()]
            self.index = match.end()
            if self.index >= len(data):
                raise self.error("EOF while parsing a string")
            byte = data[self.index]
            self.index += 1
            if byte == ord('"'):
                try:
                    return out.decode("utf-8")
                except UnicodeDecodeError:
                    raise self.error("invalid unicode code point") from None
            if byte != ord("\\"):
                raise self.error("control character (\\u0000-\\u001F) found while parsing a string")
            out += self._escape()

    def _escape(self) -> bytes:
        if self.index >= len(self.data):
            raise self.error("EOF while parsing a string")
        byte = self.data[self.index]
        self.index += 1
        simple = _ESCAPES.get(byte)
        if simple is not None:
            return simple
        if byte != ord("u"):
            raise self.error("invalid escape")
        high = self._hex4()
        if 0xDC00 <= high <= 0xDFFF:
            raise self.error("lone leading surrogate in hex escape")
        if not 0xD800 <= high <= 0xDBFF:
            return chr(high).encode("utf-8")
        for expected in b"\\u":
            if self.index >= len(self.data):
                raise self.error("EOF while parsing a string")
            self.index += 1
            if self.data[self.index - 1] != expected:
                raise self.error("unexpected end of hex escape")
        low = self._hex4()
        if not 0xDC00 <= low <= 0xDFFF:
            raise self.error("lone leading surrogate in hex escape")
        return chr(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)).encode("utf-8")

    def _hex4(self) -> int:
        digits = self.data[self.index : self.index + 4]
        if len(digits) < 4:
            self.index = len(self.data)
            raise self.error("EOF while parsing a string")
        self.index += 4
        if _HEX4.fullmatch(digits) is None:
            raise self.error("invalid escape")
        return int(digits, 16)

    # -- containers ---------------------------------------------------------------------------------
    def enter(self) -> None:
        """Consume ``[`` or ``{`` (already peeked), within serde_json's recursion budget."""
        self._depth += 1
        if self._depth >= _MAX_DEPTH:
            raise self.peek_error("recursion limit exceeded")
        self.index += 1

    def next_key(self, first: bool) -> str | None:
        """The next object key (consumed), or None at ``}`` (left for ``end_object``)."""
        byte = self._next_item(first, ord("}"), _EOF_OBJECT)
        if byte is None:
            return None
        if byte == ord('"'):
            self.index += 1
            return self._string()
        raise self.peek_error("key must be a string")

    def colon(self) -> None:
        byte = self.peek()
        if byte == ord(":"):
            self.index += 1
        elif byte is None:
            raise self.peek_error(_EOF_OBJECT)
        else:
            raise self.peek_error("expected `:`")

    def end_object(self) -> None:
        self._end(ord("}"), _EOF_OBJECT)

    def next_element(self, first: bool) -> bool:
        """True when another array element follows (its first byte is left unread)."""
        return self._next_item(first, ord("]"), _EOF_LIST) is not None

    def _next_item(self, first: bool, closing: int, eof: str) -> int | None:
        """Step over the ``,`` before a key or element and return its first byte (unread), or None at
        ``closing``. Objects and arrays share serde_json's separator errors, in the same order."""
        byte = self.peek()
        if byte == closing:
            return None
        if byte == ord(",") and not first:
            self.index += 1
            byte = self.peek()
        elif byte is None:
            raise self.peek_error(eof)
        elif not first:
            raise self.peek_error(f"expected `,` or `{chr(closing)}`")
        if byte == closing:
            raise self.peek_error("trailing comma")
        if byte is None:
            raise self.peek_error(EOF_VALUE)
        return byte

    def end_array(self) -> None:
        self._end(ord("]"), _EOF_LIST)

    def _end(self, closing: int, eof: str) -> None:
        byte = self.peek()
        if byte == closing:
            self.index += 1
            self._depth -= 1
        elif byte == ord(","):
            raise self.peek_error("trailing comma")
        elif byte is None:
            raise self.peek_error(eof)
        else:
            raise self.peek_error("trailing characters")

    # -- untyped values -----------------------------------------------------------------------------
    def any(self) -> Any:
        """Read any value into Python (serde_json::Value; also how ignored fields are skipped)."""
        byte = self.peek_value()
        if byte == ord("["):
            self.enter()
            items: list[Any] = []
            while self.next_element(not items):
                self.path.append(len(items))
                items.append(self.any())
                self.path.pop()
            self.end_array()
            return items
        if byte == ord("{"):
            self.enter()
            members: dict[str, Any] = {}
            first = True
            while (key := self.next_key(first)) is not None:
                first = False
                self.path.append(key)
                self.colon()
                members[key] = self.any()
                self.path.pop()
            self.end_object()
            return members
        return self.scalar()[1]

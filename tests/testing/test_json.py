"""The JSON reader reports syntax errors with serde_json's words, byte positions and path."""

from __future__ import annotations

import pytest

from easyllm_shim.testing.tgi._json import JsonError, Reader, describe_path
from easyllm_shim.testing.tgi._requests import read_generate_request


def syntax_error(body: bytes) -> str:
    with pytest.raises(JsonError) as caught:
        read_generate_request(body)
    assert caught.value.syntax
    return caught.value.describe()


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"", "EOF while parsing a value at line 1 column 0"),
        (b"{", "EOF while parsing an object at line 1 column 1"),
        (b'{"inputs"', "inputs: EOF while parsing an object at line 1 column 9"),
        (b'{"inputs":}', "inputs: expected value at line 1 column 11"),
        (b'{"inputs":"a" "b"}', "expected `,` or `}` at line 1 column 15"),
        (b"{inputs:1}", "key must be a string at line 1 column 2"),
        (b'{"inputs":"a",}', "trailing comma at line 1 column 15"),
        (
            b'{"inputs":"a\nb"}',
            "inputs: control character (\\u0000-\\u001F) found while parsing a string at line 2 column 0",
        ),
        (b'{"inputs":"a\\x"}', "inputs: invalid escape at line 1 column 14"),
        (b'{"inputs":"abc', "inputs: EOF while parsing a string at line 1 column 14"),
        (b'{"inputs":nul}', "inputs: expected ident at line 1 column 14"),
        (b'{\n  "inputs": tru\n}', "inputs: expected ident at line 3 column 0"),
        (b'{"inputs":"x","parameters":{"seed":01}}', "parameters.seed: invalid number at line 1 column 37"),
        (b'{"inputs":"x","parameters":{"seed":1.}}', "parameters.seed: invalid number at line 1 column 38"),
        (b'{"inputs":"x","parameters":{"seed":-}}', "parameters.seed: invalid number at line 1 column 37"),
        (b'{"inputs":"x","parameters":{"seed":1e}}', "parameters.seed: invalid number at line 1 column 38"),
        (b'{"inputs":"x","parameters":{"stop":["a",]}}', "parameters.stop: trailing comma at line 1 column 41"),
        (b'{"inputs":"x","parameters":{"stop":["a" "b"]}}', "parameters.stop: expected `,` or `]` at line 1 column 41"),
        (b'{"inputs":"x","parameters":{"stop":["a"', "parameters.stop: EOF while parsing a list at line 1 column 39"),
        (b'{"inputs":"x","parameters":{"seed":1e999}}', "parameters.seed: number out of range at line 1 column 40"),
        (b'{"inputs":"\\ud800"}', "inputs: unexpected end of hex escape at line 1 column 18"),
        (b'{"inputs":"\\udc00"}', "inputs: lone leading surrogate in hex escape at line 1 column 17"),
        (b'{"inputs":"\\u12', "inputs: EOF while parsing a string at line 1 column 15"),
        (b'{"inputs":"\\u12"}', "inputs: invalid escape at line 1 column 17"),
        (b'{"inputs":"\\u12zz"}', "inputs: invalid escape at line 1 column 17"),
    ],
)
def test_syntax_errors_read_like_serde_json(body: bytes, expected: str) -> None:
    assert syntax_error(body) == expected


def test_unknown_keys_are_still_read_for_syntax() -> None:
    # serde skips an unknown field's value but still parses it, and the path follows it inside.
    assert syntax_error(b'{"inputs":"x","extra":[1,}') == "extra[1]: expected value at line 1 column 26"


def test_trailing_characters_are_ignored_like_axum() -> None:
    assert read_generate_request(b'{"inputs":"x"} and more').inputs == "x"


def test_deep_nesting_hits_the_recursion_limit() -> None:
    body = b'{"inputs":"x","extra":' + b"[" * 200 + b"]" * 200 + b"}"
    assert "recursion limit exceeded" in syntax_error(body)


def test_strings_decode_escapes_and_surrogate_pairs() -> None:
    reader = Reader(b'"a\\n\\t\\"\\\\\\/\\u00e9\\ud83d\\ude00"')
    assert reader.any() == 'a\n\t"\\/\u00e9\U0001f600'


def test_numbers_keep_their_kind() -> None:
    assert Reader(b"[1, -2, 1.5, 1e2, -0, 18446744073709551616]").any() == [
        1,
        -2,
        1.5,
        100.0,
        -0.0,
        1.8446744073709552e19,
    ]


def test_invalid_utf8_in_a_string_is_an_invalid_code_point() -> None:
    assert syntax_error(b'{"inputs":"\xff"}') == "inputs: invalid unicode code point at line 1 column 13"


@pytest.mark.parametrize(
    ("path", "shown"),
    [
        ((), ""),
        (("inputs",), "inputs"),
        (("parameters", "stop", 0), "parameters.stop[0]"),
        (("messages", 2, "role"), "messages[2].role"),
    ],
)
def test_paths_render_like_serde_path_to_error(path: tuple[str | int, ...], shown: str) -> None:
    assert describe_path(path) == shown

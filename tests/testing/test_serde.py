"""Typed reading rejects mismatches with serde's wording, at serde_json's positions, first one first."""

from __future__ import annotations

import pytest

from easyllm_shim.testing.tgi._json import JsonError
from easyllm_shim.testing.tgi._requests import read_generate_request
from easyllm_shim.testing.tgi._serde import rust_debug, ryu


def data_error(body: bytes) -> str:
    with pytest.raises(JsonError) as caught:
        read_generate_request(body)
    assert not caught.value.syntax
    return caught.value.describe()


def params(text: str) -> bytes:
    return b'{"inputs":"x","parameters":{' + text.encode() + b"}}"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"{}", "missing field `inputs` at line 1 column 2"),
        (b'{"parameters":{}}', "missing field `inputs` at line 1 column 17"),
        (b'{"inputs": 5}', "inputs: invalid type: integer `5`, expected a string at line 1 column 12"),
        (b'{"inputs":["a"]}', "inputs: invalid type: sequence, expected a string at line 1 column 10"),
        (b'{"inputs":null}', "inputs: invalid type: null, expected a string at line 1 column 14"),
        (b'"abc"', 'invalid type: string "abc", expected struct GenerateRequest at line 1 column 5'),
        (b'{"inputs":"a","inputs":"b"}', "duplicate field `inputs` at line 1 column 22"),
        (b'{"inputs":"a","inputs" :"b"}', "duplicate field `inputs` at line 1 column 23"),
        (
            b'{"inputs":"x","parameters":null}',
            "parameters: invalid type: null, expected struct GenerateParameters at line 1 column 31",
        ),
        (
            params('"temperature":"hot"'),
            'parameters.temperature: invalid type: string "hot", expected f32 at line 1 column 47',
        ),
        (
            params('"top_k":1.5'),
            "parameters.top_k: invalid type: floating point `1.5`, expected i32 at line 1 column 39",
        ),
        (
            params('"top_k":3000000000'),
            "parameters.top_k: invalid value: integer `3000000000`, expected i32 at line 1 column 46",
        ),
        (
            params('"max_new_tokens":-1'),
            "parameters.max_new_tokens: invalid value: integer `-1`, expected u32 at line 1 column 47",
        ),
        (
            params('"max_new_tokens":4294967296'),
            "parameters.max_new_tokens: invalid value: integer `4294967296`, expected u32 at line 1 column 55",
        ),
        (
            params('"max_new_tokens":1.0'),
            "parameters.max_new_tokens: invalid type: floating point `1.0`, expected u32 at line 1 column 48",
        ),
        (
            params('"truncate":-1'),
            "parameters.truncate: invalid value: integer `-1`, expected usize at line 1 column 41",
        ),
        (params('"seed":-0'), "parameters.seed: invalid type: floating point `-0.0`, expected u64 at line 1 column 37"),
        (
            params('"seed":1e20'),
            "parameters.seed: invalid type: floating point `1e20`, expected u64 at line 1 column 39",
        ),
        (
            params('"seed":18446744073709551616'),
            "parameters.seed: invalid type: floating point `1.8446744073709552e19`, expected u64 at line 1 column 55",
        ),
        (
            params('"details":"yes"'),
            'parameters.details: invalid type: string "yes", expected a boolean at line 1 column 43',
        ),
        (
            params('"do_sample":null'),
            "parameters.do_sample: invalid type: null, expected a boolean at line 1 column 44",
        ),
        (params('"stop":"a"'), 'parameters.stop: invalid type: string "a", expected a sequence at line 1 column 38'),
        (params('"stop":null'), "parameters.stop: invalid type: null, expected a sequence at line 1 column 39"),
        (params('"stop":[1]'), "parameters.stop[0]: invalid type: integer `1`, expected a string at line 1 column 37"),
        (params('"stop":{}'), "parameters.stop: invalid type: map, expected a sequence at line 1 column 35"),
        (
            params('"adapter_id":true'),
            "parameters.adapter_id: invalid type: boolean `true`, expected a string at line 1 column 45",
        ),
        (
            params('"grammar":"json"'),
            'parameters.grammar: invalid type: string "json", expected adjacently tagged enum GrammarType'
            " at line 1 column 44",
        ),
        (
            params('"grammar":{"type":"foo"}'),
            "parameters.grammar.type: unknown variant `foo`, expected one of"
            " `json`, `json_object`, `regex`, `json_schema` at line 1 column 51",
        ),
        (params('"grammar":{"type":"json"}'), "parameters.grammar: missing field `value` at line 1 column 53"),
        (params('"grammar":{"value":"x"}'), "parameters.grammar: missing field `type` at line 1 column 51"),
        (
            params('"grammar":{"type":"regex","value":1}'),
            "parameters.grammar.value: invalid type: integer `1`, expected a string at line 1 column 63",
        ),
        (
            params('"grammar":{"type":"json_schema","value":{"name":"x"}}'),
            "parameters.grammar.value: missing field `schema` at line 1 column 80",
        ),
        (
            params('"grammar":{"type":"json","type":"json"}'),
            "parameters.grammar: duplicate field `type` at line 1 column 59",
        ),
    ],
)
def test_type_errors_read_like_serde(body: bytes, expected: str) -> None:
    assert data_error(body) == expected


def test_the_first_problem_in_document_order_wins() -> None:
    body = params('"top_k":"a","temperature":"b"')
    assert data_error(body).startswith("parameters.top_k:")


def test_a_type_error_before_a_syntax_error_is_reported_first() -> None:
    # serde stops at the first problem; the broken tail is never read.
    assert data_error(b'{"inputs":1, oops').startswith("inputs: invalid type")


def test_integers_are_accepted_as_floats() -> None:
    assert read_generate_request(params('"temperature":1')).parameters.temperature == 1.0


def test_floats_are_rounded_through_f32() -> None:
    # 0.99999999 is 1.0 as an f32, so TGI then refuses it as a top_p of 1.0.
    assert read_generate_request(params('"top_p":0.99999999')).parameters.top_p == 1.0


def test_grammar_value_may_come_before_its_type() -> None:
    grammar = read_generate_request(params('"grammar":{"value":"[a-z]+","type":"regex"}')).parameters.grammar
    assert grammar is not None
    assert (grammar.kind, grammar.value) == ("regex", "[a-z]+")


def test_buffered_grammar_value_is_checked_once_the_type_is_known() -> None:
    assert data_error(params('"grammar":{"value":1,"type":"regex"}')) == (
        "parameters.grammar: invalid type: integer `1`, expected a string at line 1 column 64"
    )


@pytest.mark.parametrize(
    ("value", "shown"),
    [(1.0, "1.0"), (1.5, "1.5"), (-2.25, "-2.25"), (1e20, "1e20"), (1e16, "1e16"), (1e15, "1000000000000000.0"),
     (1e-7, "1e-7"), (0.001, "0.001"), (123.456, "123.456"), (0.0, "0.0"), (-0.0, "-0.0"), (1.25e-10, "1.25e-10")],
)  # fmt: skip
def test_floats_print_like_ryu(value: float, shown: str) -> None:
    assert ryu(value) == shown


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("abc", '"abc"'),
        ('a"b', '"a\\"b"'),
        ("a\nb\t", '"a\\nb\\t"'),
        ("\\", '"\\\\"'),
        ("é", '"é"'),
        ("\x01", '"\\u{1}"'),
    ],
)
def test_strings_print_like_rust_debug(text: str, shown: str) -> None:
    assert rust_debug(text) == shown

"""Grammar checks as TGI makes them, and the JSON instances the fake model writes for a schema."""

from __future__ import annotations

import json
from typing import Any

import httpx2 as httpx
import pytest

from easyllm_shim.testing import TGIServer
from easyllm_shim.testing.fake_model._json_instance import json_instance
from easyllm_shim.testing.tgi._grammar import InvalidGrammarError, schema_of
from easyllm_shim.testing.tgi._requests import Grammar

PERSON = {
    "type": "object",
    "properties": {
        "firstName": {"type": "string"},
        "lastName": {"type": "string"},
        "hobby": {"type": "string"},
        "numCats": {"type": "integer", "minimum": 0},
    },
    "required": ["firstName", "lastName", "hobby", "numCats"],
}


def instance(schema: dict[str, Any]) -> Any:
    return json.loads(json_instance(schema, "salt"))


def test_required_properties_in_sorted_order() -> None:
    text = json_instance(PERSON, "salt")
    assert list(json.loads(text)) == ["firstName", "hobby", "lastName", "numCats"]
    assert " " not in text


def test_without_required_every_property_is_written() -> None:
    assert set(instance({"properties": {"a": {}, "b": {"type": "boolean"}}})) == {"a", "b"}


@pytest.mark.parametrize(
    ("schema", "check"),
    [
        ({"type": "string"}, lambda v: isinstance(v, str) and v),
        ({"type": "string", "minLength": 12}, lambda v: len(v) >= 12),
        ({"type": "string", "maxLength": 2}, lambda v: len(v) <= 2),
        ({"type": "string", "format": "email"}, lambda v: "@" in v),
        ({"type": "integer", "minimum": 100}, lambda v: isinstance(v, int) and v >= 100),
        ({"type": "integer", "maximum": -3}, lambda v: v <= -3),
        ({"type": "integer", "exclusiveMinimum": 10}, lambda v: v > 10),
        ({"type": "number", "maximum": 0.25}, lambda v: isinstance(v, float) and v <= 0.25),
        ({"type": "boolean"}, lambda v: v is True),
        ({"type": "null"}, lambda v: v is None),
        ({"enum": ["celsius", "fahrenheit"]}, lambda v: v == "celsius"),
        ({"const": 42}, lambda v: v == 42),
        ({"type": ["null", "integer"]}, lambda v: isinstance(v, int)),
        ({"anyOf": [{"type": "null"}, {"type": "string"}]}, lambda v: isinstance(v, str)),
        ({"type": "array", "items": {"type": "integer"}}, lambda v: len(v) == 1 and isinstance(v[0], int)),
        ({"type": "array", "items": {"type": "integer"}, "minItems": 3}, lambda v: len(v) == 3),
        ({"type": "array", "maxItems": 0}, lambda v: v == []),
    ],
)
def test_values_satisfy_their_schema(schema: dict[str, Any], check: Any) -> None:
    assert check(instance({"properties": {"v": schema}, "required": ["v"]})["v"])


def test_nested_objects_and_refs() -> None:
    reading = {"$ref": "#/$defs/Reading"}
    schema = {
        "$defs": {"Unit": {"enum": ["c", "f"]}, "Reading": {"properties": {"unit": {"$ref": "#/$defs/Unit"}}}},
        "properties": {"reading": reading, "days": {"type": "array", "items": reading}},
        "required": ["reading", "days"],
    }
    assert instance(schema) == {"reading": {"unit": "c"}, "days": [{"unit": "c"}]}


def test_recursive_schemas_end() -> None:
    schema = {
        "$defs": {"Node": {"properties": {"next": {"$ref": "#/$defs/Node"}}}},
        "properties": {"n": {"$ref": "#/$defs/Node"}},
    }
    assert isinstance(instance(schema), dict)


@pytest.mark.parametrize(
    ("grammar", "message"),
    [
        (Grammar("json", {"type": "object"}), "grammar is not valid: Grammar must have a 'properties' field"),
        (Grammar("json", "not json"), "grammar is not valid: expected ident at line 1 column 2"),
        (Grammar("json", 3), "grammar is not supported"),
        (Grammar("json", "3"), 'grammar is not valid: 3 is not of types "boolean", "object"'),
    ],
)
def test_refused_grammars(grammar: Grammar, message: str) -> None:
    with pytest.raises(InvalidGrammarError, match=message):
        schema_of(grammar, supported=True)


def test_schemas_may_arrive_as_json_strings() -> None:
    assert schema_of(Grammar("json", json.dumps(PERSON)), supported=True) == PERSON
    assert schema_of(Grammar("json_schema", {"name": "p", "schema": PERSON}), supported=True) == PERSON


def test_regex_grammars_are_accepted_but_not_enforced() -> None:
    assert schema_of(Grammar("regex", "[0-9]+"), supported=True) is None


@pytest.mark.parametrize(
    "grammar",
    [
        {"type": "json", "value": PERSON},
        {"type": "json_object", "value": json.dumps(PERSON)},
        {"type": "json_schema", "value": {"name": "person", "schema": PERSON}},
    ],
)
def test_generate_writes_the_instance_instead_of_the_reply(
    tgi_server: TGIServer, client: httpx.Client, grammar: dict[str, Any]
) -> None:
    tgi_server.reply = "ignored"
    body = {"inputs": "info: ", "parameters": {"details": True, "grammar": grammar}}
    result = client.post("/generate", json=body).json()
    person = json.loads(result["generated_text"])
    assert set(person) == {"firstName", "lastName", "hobby", "numCats"}
    assert isinstance(person["numCats"], int)
    assert result["details"]["finish_reason"] == "eos_token"
    assert result["details"]["tokens"][-1]["text"] == "</s>"


def test_regex_grammar_generates_the_reply(tgi_server: TGIServer, client: httpx.Client) -> None:
    tgi_server.reply = "not an email"
    body = {"inputs": "x", "parameters": {"grammar": {"type": "regex", "value": "[a-z]+@[a-z]+"}}}
    assert client.post("/generate", json=body).json()["generated_text"] == " not an email"

"""TGI's grammar checks: the JSON schema a json/json_schema grammar asks the fake model to satisfy.

TGI checks a json/json_schema grammar in the router (the value must be an object or a JSON string,
and must have a top-level ``properties``) and then constrains decoding to the schema; the fake model
instead writes one instance of it (``fake_model``'s ``json_instance``). Regex grammars are accepted
but not enforced.
"""

from __future__ import annotations

import json
from typing import Any

from ._json import JsonError, Reader
from ._requests import Grammar

__all__ = ["InvalidGrammarError", "schema_of"]


class InvalidGrammarError(ValueError):
    """The grammar is refused; the message is TGI's, without the "Input validation error: " prefix."""


def schema_of(grammar: Grammar, *, supported: bool) -> dict[str, Any] | None:
    """The JSON schema to satisfy (None for a regex grammar), checked in TGI's order."""
    if not supported:
        raise InvalidGrammarError("grammar is not supported")
    if grammar.kind == "regex":
        return None
    value = grammar.value["schema"] if grammar.kind == "json_schema" else grammar.value
    if isinstance(value, str):
        reader = Reader(value.encode("utf-8"))
        try:
            value = reader.any()
            reader.finish()
        except JsonError as error:  # serde_json::from_str: no path in its message
            raise InvalidGrammarError(
                f"grammar is not valid: {error.message} at line {error.line} column {error.column}"
            ) from None
    elif not isinstance(value, dict):
        raise InvalidGrammarError("grammar is not supported")
    if not isinstance(value, dict | bool):  # the draft 2020-12 meta-schema allows objects and booleans
        compact = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
        raise InvalidGrammarError(f'grammar is not valid: {compact} is not of types "boolean", "object"')
    if not isinstance(value, dict) or "properties" not in value:
        raise InvalidGrammarError("grammar is not valid: Grammar must have a 'properties' field")
    return value

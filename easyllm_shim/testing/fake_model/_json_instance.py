"""A JSON instance of a schema: what the fake model writes where a real one would decode under a grammar.

One compact instance that satisfies the common schema keywords (required properties, types,
``enum``/``const``, ``anyOf``/``oneOf``/``allOf``, local ``$ref``, bounds, lengths, a few string
formats), derived deterministically from the salt.
"""

from __future__ import annotations

import json
from typing import Any

from ._text import stable_hash, word_for

__all__ = ["json_instance"]

_MAX_DEPTH = 8
_STRING_FORMATS = {
    "email": "user@example.com",
    "date": "2024-01-01",
    "date-time": "2024-01-01T00:00:00Z",
    "time": "00:00:00",
    "uri": "https://example.com",
    "uuid": "00000000-0000-4000-8000-000000000000",
}


def json_instance(schema: dict[str, Any], salt: object, root: dict[str, Any] | None = None) -> str:
    """Compact JSON satisfying ``schema``; keys sorted, as TGI's schema-to-regex step orders them. Local
    ``$ref``s resolve against ``root``: the whole grammar ``schema`` is part of (itself by default)."""
    value = _instance(schema, schema if root is None else root, (str(salt),), 0)
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _resolve(schema: Any, root: dict[str, Any]) -> Any:
    reference = schema.get("$ref") if isinstance(schema, dict) else None
    if not isinstance(reference, str) or not reference.startswith("#"):
        return schema
    target: Any = root
    for part in reference.lstrip("#").strip("/").split("/") if reference != "#" else []:
        target = target.get(part.replace("~1", "/").replace("~0", "~"), {}) if isinstance(target, dict) else {}
    return target


def _instance(schema: Any, root: dict[str, Any], path: tuple[str, ...], depth: int) -> Any:
    schema = _resolve(schema, root)
    if not isinstance(schema, dict) or depth > _MAX_DEPTH:
        return None
    if "const" in schema:
        return schema["const"]
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return schema["enum"][0]
    for keyword in ("anyOf", "oneOf"):
        options = schema.get(keyword)
        if isinstance(options, list) and options:
            useful = [o for o in options if _resolve(o, root) != {"type": "null"}] or options
            return _instance(useful[0], root, path, depth + 1)
    if isinstance(schema.get("allOf"), list):
        merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
        for part in schema["allOf"]:
            resolved = _resolve(part, root)
            merged.update(resolved if isinstance(resolved, dict) else {})
        return _instance(merged, root, path, depth + 1)
    kind = _type_of(schema)
    if kind == "object":
        return _object(schema, root, path, depth)
    if kind == "array":
        return _array(schema, root, path, depth)
    if kind == "integer":
        return int(_bounded(schema, 1 + stable_hash(*path) % 9, 1))
    if kind == "number":
        return float(_bounded(schema, 1.5, 0.5))
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    return _string(schema, path)


def _type_of(schema: dict[str, Any]) -> str:
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if isinstance(kind, str):
        return kind
    if "properties" in schema:
        return "object"
    return "array" if "items" in schema else "string"


def _object(schema: dict[str, Any], root: dict[str, Any], path: tuple[str, ...], depth: int) -> dict[str, Any]:
    properties = schema.get("properties")
    properties = properties if isinstance(properties, dict) else {}
    required = schema.get("required")
    names = [n for n in required if isinstance(n, str)] if isinstance(required, list) else list(properties)
    return {name: _instance(properties.get(name, {}), root, (*path, name), depth + 1) for name in names}


def _array(schema: dict[str, Any], root: dict[str, Any], path: tuple[str, ...], depth: int) -> list[Any]:
    minimum = schema.get("minItems", 0)
    count = minimum if isinstance(minimum, int) and minimum > 0 else 1
    maximum = schema.get("maxItems")
    if isinstance(maximum, int):
        count = min(count, maximum)
    prefix = schema.get("prefixItems")
    prefix = prefix if isinstance(prefix, list) else []
    items = schema.get("items", {})
    return [_instance(prefix[i] if i < len(prefix) else items, root, (*path, str(i)), depth + 1) for i in range(count)]


def _bounded(schema: dict[str, Any], value: float, step: float) -> float:
    low = schema.get("minimum")
    if isinstance(schema.get("exclusiveMinimum"), int | float):
        low = schema["exclusiveMinimum"] + step
    high = schema.get("maximum")
    if isinstance(schema.get("exclusiveMaximum"), int | float):
        high = schema["exclusiveMaximum"] - step
    if isinstance(low, int | float):
        value = max(value, low)
    if isinstance(high, int | float):
        value = min(value, high)
    return value


def _string(schema: dict[str, Any], path: tuple[str, ...]) -> str:
    text = _STRING_FORMATS.get(str(schema.get("format")), word_for(*path))
    shortest, longest = schema.get("minLength"), schema.get("maxLength")
    if isinstance(shortest, int) and len(text) < shortest:
        text += "x" * (shortest - len(text))
    if isinstance(longest, int) and len(text) > longest:
        text = text[:longest]
    return text

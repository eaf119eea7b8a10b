"""The upstream material in ../shared/reference, read at test time and never copied into the project.

Conformance tests that use it skip with a clear reason where the folder is absent (a user's clone);
every behaviour they check is also checked without it elsewhere.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

import pytest

REFERENCE = Path(__file__).resolve().parents[1].parent / "shared" / "reference"
ABSENT = "../shared/reference not present (user clone)"
# Imported by name: jsonschema ships no type stubs, and the project installs none.
jsonschema: Any = importlib.import_module("jsonschema")
_OPENAPI_ANNOTATIONS = {"nullable", "example", "discriminator"}


def reference_dir() -> Path:
    if not REFERENCE.is_dir():
        pytest.skip(ABSENT)
    return REFERENCE


def _json_schema(node: Any, *, property_map: bool = False) -> Any:
    """OpenAPI 3.0 to JSON Schema: ``nullable`` becomes ``anyOf [..., null]``; annotations go."""
    if isinstance(node, list):
        return [_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    if property_map:  # keys are property names here, not keywords
        return {name: _json_schema(value) for name, value in node.items()}
    converted = {
        key: _json_schema(value, property_map=key == "properties")
        for key, value in node.items()
        if key not in _OPENAPI_ANNOTATIONS
    }
    return {"anyOf": [converted, {"type": "null"}]} if node.get("nullable") is True else converted


def openapi_schemas() -> dict[str, Any]:
    """TGI's published OpenAPI document as JSON Schema (skips the test when absent)."""
    converted: dict[str, Any] = _json_schema(json.loads((reference_dir() / "tgi-openapi.json").read_text()))
    return converted


def check(schemas: dict[str, Any], name: str, value: Any) -> None:
    """Validate `value` against `#/components/schemas/<name>`."""
    root = {"$ref": f"#/components/schemas/{name}", "components": schemas["components"]}
    jsonschema.Draft202012Validator(root).validate(value)


def snapshot(name: str) -> Any:
    """A recorded TGI response from tgi-snapshots/ (see its README for the request that made it)."""
    return json.loads((reference_dir() / "tgi-snapshots" / name).read_text())

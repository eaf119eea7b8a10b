"""The syntax of the EASYLLM_* variables: `key=value;key=value` lists of model ids, URLs and switches.

Parsers raise ValueError naming the bad part; `_config` prefixes the variable or argument name.
Each list is also accepted as a mapping (the `patch()` keyword arguments).
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

PairsSpec = str | Mapping[str, str]
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("", "0", "false", "no", "off")


def switch(value: str) -> bool:
    """1/true/yes/on or 0/false/no/off, any case; empty is off."""
    if value.strip().lower() in _TRUE:
        return True
    if value.strip().lower() in _FALSE:
        return False
    raise ValueError(f"{value!r} is not a switch; use 1 or 0")


def model_id(value: object, what: str = "") -> str:
    model = value.strip() if isinstance(value, str) else ""
    if not model or any(character.isspace() for character in model):
        raise ValueError(f"{what}{value!r} is not a model id")
    return model


def url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{value!r} is not an http(s) URL")
    return value.rstrip("/")


def pairs(spec: PairsSpec) -> dict[str, str]:
    """`model=value;model=value` or a mapping; keys are model ids, values stripped and non-empty."""
    if isinstance(spec, str):
        entries = [text.partition("=") for text in spec.split(";") if text.strip()]
        if bad := next((key for key, equals, _ in entries if not equals), None):
            raise ValueError(f"{bad.strip()!r} is not of the form model=value")
        items = [(key, value) for key, _, value in entries]
    elif isinstance(spec, Mapping):
        items = list(spec.items())
    else:
        raise ValueError(f"expected a string or a mapping, got {type(spec).__name__}")
    result: dict[str, str] = {}
    for key, value in items:
        model = model_id(key)
        if model in result:
            raise ValueError(f"{model!r} is given twice")
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"{model!r} has an empty value")
        result[model] = value.strip()
    return result


def model_pairs(spec: PairsSpec) -> dict[str, str]:
    """`model=model;...`: both sides model ids (EASYLLM_MODEL_MAP, EASYLLM_FALLBACK)."""
    return {key: model_id(value, f"{key!r} -> ") for key, value in pairs(spec).items()}


def url_pairs(spec: PairsSpec) -> dict[str, str]:
    """`model=url;...` (EASYLLM_ENDPOINTS); a URL may itself contain '=' (a query string)."""
    result = pairs(spec)
    for key, value in result.items():
        try:
            result[key] = url(value)
        except ValueError as error:
            raise ValueError(f"{key!r} -> {error}") from None
    return result

"""The syntax of the EASYLLM_* variables: `key=value;key=value` lists of model ids, URLs and switches.

Mappings of models to models are separated by `;` or `,`; in EASYLLM_ENDPOINTS a comma followed by a URL
(not by `model=`) adds a replica to the model before it (`model=url1,url2;other=url3`).

Parsers raise ValueError naming the bad part; `_config` prefixes the variable or argument name.
Each list is also accepted as a mapping (the `patch()` keyword arguments).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from urllib.parse import urlsplit, urlunsplit

PairsSpec = str | Mapping[str, str]
# A model's replicas, in a mapping given to `patch()`: a comma-separated string or a list of URLs.
UrlsSpec = str | Mapping[str, str | Sequence[str]]
# A comma-separated piece that starts with a scheme is another replica; any other starts a new `model=url`.
_REPLICA = re.compile(r"\s*[a-z][a-z0-9+.-]*://", re.IGNORECASE)
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
    """One http(s) URL, without a trailing slash in its path; its query string, if any, is kept."""
    value = value.strip() if isinstance(value, str) else value
    parts = urlsplit(value) if isinstance(value, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{value!r} is not an http(s) URL")
    host = parts.netloc.rpartition("@")[2]
    if not parts.hostname or any(character.isspace() for character in host):
        raise ValueError(f"{value!r} has no valid host ({host!r})")
    try:
        parts.port  # noqa: B018 - urllib checks the port when it is read
    except ValueError:
        port = host.rpartition(":")[2]
        raise ValueError(f"{value!r} has an invalid port {port!r} (a number from 0 to 65535)") from None
    if parts.fragment:
        raise ValueError(f"{value!r} has a fragment (#{parts.fragment}), which no server receives")
    return urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), parts.query, ""))


def urls(value: str | Sequence[str]) -> str:
    """One or more URLs (a model's replicas), comma-separated or a list; each checked, joined by commas."""
    items = value.split(",") if isinstance(value, str) else list(value) if isinstance(value, Sequence) else [value]
    if not items or any(not isinstance(item, str) or not item.strip() for item in items):
        raise ValueError(f"{value!r} is not a list of http(s) URLs")
    checked = [url(item) for item in items]
    if len(set(checked)) < len(checked):
        raise ValueError(f"{value!r} names one URL twice")
    return ",".join(checked)


def split_urls(value: str) -> tuple[str, ...]:
    """The replicas of a value `urls` returned."""
    return tuple(value.split(","))


def pairs(spec: PairsSpec, separators: str = ";") -> dict[str, str]:
    """`model=value;model=value` or a mapping; keys are model ids, values stripped and non-empty."""
    if isinstance(spec, str):
        entries = [text.partition("=") for text in re.split(f"[{separators}]", spec) if text.strip()]
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
    """`model=model;...` or `model=model,...`: both sides model ids (EASYLLM_MODEL_MAP, EASYLLM_FALLBACK)."""
    return {key: model_id(value, f"{key!r} -> ") for key, value in pairs(spec, ";,").items()}


def url_pairs(spec: UrlsSpec) -> dict[str, str]:
    """`model=url1,url2;...` (EASYLLM_ENDPOINTS): each model's replicas, comma-joined. A URL may contain '='."""
    if isinstance(spec, str):
        pieces = [piece for piece in spec.split(";") if piece.strip()]
        entries: list[str] = []
        for piece in pieces:
            first, *rest = piece.split(",")
            entries.append(first)
            for part in rest:
                if _REPLICA.match(part) or not part.strip():
                    entries[-1] += "," + part  # another replica of the model before
                else:
                    entries.append(part)
        items = [text.partition("=") for text in entries]
        if bad := next((key for key, equals, _ in items if not equals), None):
            raise ValueError(f"{bad.strip()!r} is not of the form model=value")
        given: dict[str, str | Sequence[str]] = {}
        for key, _, value in items:
            if model_id(key) in given:
                raise ValueError(f"{model_id(key)!r} is given twice")
            given[model_id(key)] = value
    elif isinstance(spec, Mapping):
        given = dict(spec)
    else:
        raise ValueError(f"expected a string or a mapping, got {type(spec).__name__}")
    result: dict[str, str] = {}
    for key, replicas in given.items():
        model = model_id(key)
        try:
            result[model] = urls(replicas)
        except ValueError as error:
            raise ValueError(f"{model!r} -> {error}") from None
    return result

"""Reading TGI's `/generate` answer without decoding what the answer does not need.

With `details: true` TGI lists every generated token (`details.tokens`), so a full `json.loads`
grows with the output while the OpenAI answer needs three fields. The keys read here occur once in
the document and JSON escapes every quote inside strings, so a key pattern can only match a key;
what the scan reads is checked as `json.loads` would (a document that is not a JSON object or list
is decoded, and refused), and every answer's values are checked: text a string, the finish reason
one TGI gives, counts non-negative integers. A `ValueError` or `TypeError` says an answer is malformed.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

# One TGI (or TEI) answer as the transport received it: status, raw headers, body.
Answer = tuple[int, list[tuple[bytes, bytes]], bytes]
_scan_string = json.decoder.scanstring  # type: ignore[attr-defined]
_GENERATED_TEXT = re.compile(r'"generated_text"\s*:\s*"')
_FINISH_REASON = re.compile(r'"finish_reason"\s*:\s*"([a-z_]+)"')
# An integer ends where its JSON value ends: `1e400` or `1.5` is not one, nor 20 digits.
_GENERATED_TOKENS = re.compile(r'"generated_tokens"\s*:\s*(\d{1,15})\s*[,}]')
# TGI's `FinishReason`.
FINISH_REASONS = frozenset({"length", "eos_token", "stop_sequence"})
MAX_COUNT = 2**53  # token counts beyond this are not counts


@dataclass(frozen=True, slots=True)
class Generation:
    """One TGI generation: its text, why it stopped, how many tokens it took, and (if decoded) its details."""

    text: str
    finish_reason: str | None
    generated_tokens: int
    details: dict[str, Any] | None = None


def read_generation(content: bytes, *, with_details: bool = False) -> Generation:
    """TGI's `/generate` (or compat-route one-element list) answer. `with_details` decodes everything."""
    document = content.decode("utf-8")
    scannable = document[:1] in ("{", "[") and document[-1:] in ("}", "]")
    if scannable and not with_details and (text := _GENERATED_TEXT.search(document)) is not None:
        reason = _FINISH_REASON.search(document)
        tokens = _GENERATED_TOKENS.search(document)
        if reason is not None and tokens is not None and reason.group(1) in FINISH_REASONS:
            value, _ = _scan_string(document, text.end())
            return Generation(value, reason.group(1), int(tokens.group(1)))
    return generation_from(json.loads(document))


def generation_from(payload: Any) -> Generation:
    """From a decoded answer. Without `generated_text` it is not TGI's answer: raise, never an empty reply."""
    if isinstance(payload, list) and len(payload) == 1:  # TGI's compat route `/` (the serverless API)
        payload = payload[0]
    if not isinstance(payload, dict):
        raise TypeError("the answer is not a JSON object")
    text = payload["generated_text"]
    if not isinstance(text, str):
        raise TypeError(f"generated_text is {text!r}, not text")
    details = payload.get("details")
    if details is None:
        details = {}
    elif not isinstance(details, dict):
        raise TypeError(f"details is {details!r:.100}, not an object")
    return Generation(text, reason(details), count(details, "generated_tokens"), details)


def reason(details: dict[str, Any]) -> str | None:
    """TGI's `details.finish_reason`, one TGI gives, or None."""
    value = details.get("finish_reason")
    if value is not None and (value.__class__ is not str or value not in FINISH_REASONS):
        raise ValueError(f"finish_reason is {value!r:.100}, not one TGI gives")
    return value


def count(details: dict[str, Any], name: str) -> int:
    """A token count of TGI's `details`: a non-negative integer, 0 when absent."""
    value = details.get(name)
    if value is None:
        return 0
    if value.__class__ is not int or not 0 <= value < MAX_COUNT:
        raise ValueError(f"{name} is {value!r:.100}, not a token count")
    return value


def header_int(raw_headers: list[tuple[bytes, bytes]], name: bytes) -> int:
    """An integer response header (TGI's `x-prompt-tokens`, TEI's `x-compute-tokens`), 0 when absent."""
    for key, value in raw_headers:
        if key.lower() == name:
            if not value.isdigit() or len(value) > 15:
                raise ValueError(f"the {name.decode()} header is {value[:100]!r}, not a token count")
            return int(value)
    return 0

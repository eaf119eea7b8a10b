"""Reading TGI's `/generate` answer without decoding what the answer does not need.

With `details: true` TGI lists every generated token (`details.tokens`), so a full `json.loads`
grows with the output while the OpenAI answer needs three fields. The keys read here occur once in
the document and JSON escapes every quote inside strings, so a key pattern can only match a key.
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
_GENERATED_TOKENS = re.compile(r'"generated_tokens"\s*:\s*(\d+)')


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
    if not with_details and (text := _GENERATED_TEXT.search(document)) is not None:
        reason = _FINISH_REASON.search(document)
        tokens = _GENERATED_TOKENS.search(document)
        if reason is not None and tokens is not None:
            value, _ = _scan_string(document, text.end())
            return Generation(value, reason.group(1), int(tokens.group(1)))
    return generation_from(json.loads(document))


def generation_from(payload: Any) -> Generation:
    """From a decoded answer. Without `generated_text` it is not TGI's answer: raise, never an empty reply."""
    if isinstance(payload, list):  # TGI's compat route `/` (the serverless API) answers a one-element list
        payload = payload[0]
    text = payload["generated_text"]
    if not isinstance(text, str):
        raise TypeError(f"generated_text is {text!r}, not text")
    details = payload.get("details") or {}
    return Generation(
        text,
        details.get("finish_reason"),
        int(details.get("generated_tokens") or 0),
        details,
    )


def header_int(raw_headers: list[tuple[bytes, bytes]], name: bytes) -> int:
    """An integer response header (TGI's `x-prompt-tokens`, TEI's `x-compute-tokens`), 0 when absent."""
    return next((int(value) for key, value in raw_headers if key.lower() == name), 0)

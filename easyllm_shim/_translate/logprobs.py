"""TGI token details → OpenAI's `choices[i].logprobs.content`.

TGI lists each generated token (`text`, `logprob`, `special`) in `details.tokens`, and with
`top_n_tokens` its alternatives per position in `details.top_tokens` (docs/parameters.md, "TGI's
wire protocol, as the shim relies on it").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

# TGI writes a NaN or infinite logprob as null; OpenAI's schema wants a number and uses -9999 for "masked".
_MASKED = -9999.0


def _entry(text: str, logprob: Any) -> dict[str, Any]:
    return {"token": text, "logprob": _MASKED if logprob is None else logprob, "bytes": list(text.encode("utf-8"))}


def token_logprob(token: Mapping[str, Any], top: Sequence[Mapping[str, Any]] | None, *, first: bool) -> dict[str, Any]:
    """One OpenAI logprob entry; the answer's first token loses its word-boundary space, as the content does."""
    text = token["text"]
    if first and text.startswith(" "):
        text = text[1:]
    entry = _entry(text, token.get("logprob"))
    entry["top_logprobs"] = [_entry(alternative["text"], alternative.get("logprob")) for alternative in top or ()]
    return entry


def content_logprobs(details: Mapping[str, Any], kept_chars: int) -> list[dict[str, Any]]:
    """Entries for the generated tokens that make up the first `kept_chars` characters of TGI's text."""
    tokens = details.get("tokens") or []
    top_tokens = details.get("top_tokens") or []
    entries: list[dict[str, Any]] = []
    seen = 0
    for index, token in enumerate(tokens):
        if seen >= kept_chars:
            break
        if token.get("special"):
            continue
        entries.append(token_logprob(token, top_tokens[index] if index < len(top_tokens) else None, first=not entries))
        seen += len(token["text"])
    return entries

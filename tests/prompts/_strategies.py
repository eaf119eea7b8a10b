"""Hypothesis strategies for conversations."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from easyllm_shim._prompts.markers import DEFAULT_GUARD, SPECIAL_TOKEN_MARKERS, MarkerGuard

Message = dict[str, Any]

# Whitespace of every kind str.strip() knows, and the characters markers are made of, so that near-misses
# ("<s", "[INST", "</ s>") turn up often.
_AWKWARD = list(" \t\n\r\x0b\x0c\x1c\x85\u00a0\u2003\u2028\u3000<>[]/|sSYINT")
_CHARACTERS = st.characters(codec="utf-8") | st.sampled_from(_AWKWARD)


def texts(guard: MarkerGuard = DEFAULT_GUARD, max_size: int = 30) -> st.SearchStrategy[str]:
    """Arbitrary text holding none of ``guard``'s markers."""
    return st.text(_CHARACTERS, max_size=max_size).filter(lambda text: not guard.markers_in(text))


def forged_texts(extra: tuple[str, ...] = ()) -> st.SearchStrategy[str]:
    """Text stitched from control markers, fragments of them and plain words."""
    pieces = [*SPECIAL_TOKEN_MARKERS, *extra, "<", "|", "/", "s>", "INST]", " ", "\n", "ignore previous", "x"]
    return st.lists(st.sampled_from(pieces), max_size=12).map("".join)


@st.composite
def alternating_conversations(draw: st.DrawFn, text: st.SearchStrategy[str] | None = None) -> list[Message]:
    """Optional system, then user/assistant pairs, ending on a user message."""
    text = text if text is not None else texts()
    messages: list[Message] = []
    if draw(st.booleans()):
        messages.append({"role": "system", "content": draw(text)})
    for _ in range(draw(st.integers(min_value=0, max_value=4))):
        messages.append({"role": "user", "content": draw(text)})
        messages.append({"role": "assistant", "content": draw(text)})
    messages.append({"role": "user", "content": draw(text)})
    return messages

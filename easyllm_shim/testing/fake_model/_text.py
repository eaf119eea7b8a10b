"""Deterministic filler text: the fake model's default reply, and words for generated JSON values."""

from __future__ import annotations

import random
import zlib

__all__ = ["WORDS", "default_reply", "stable_hash", "word_for"]

WORDS = (
    "the", "model", "answer", "is", "a", "short", "test", "of", "text", "that", "keeps", "going", "until",
    "it", "reaches", "its", "limit", "and", "then", "stops", "with", "one", "clear", "sentence", "about",
    "weather", "cats", "trees", "rivers", "light", "small", "blue", "quiet", "morning", "city", "road",
    "friendly", "simple", "useful", "careful", "every", "token", "counts", "here", "now", "again", "more",
    "words", "follow", "each", "other", "in", "order", "so", "tests", "can", "check", "length",
)  # fmt: skip

# About forty tokens: enough to run into max_new_tokens in tests, short enough to stay fast.
_REPLY_WORDS = 34


def stable_hash(*parts: object) -> int:
    """A hash that is the same in every process (Python's hash() of str is salted)."""
    return zlib.crc32("\x1f".join(map(str, parts)).encode("utf-8"))


def default_reply(prompt: str, seed: int | None) -> str:
    """Sentence-like text derived from the prompt (and the seed when sampling): same inputs, same text."""
    rng = random.Random(stable_hash(prompt, seed))
    sentences: list[str] = []
    remaining = _REPLY_WORDS
    while remaining > 0:
        length = min(remaining, rng.randint(6, 10))
        words = [rng.choice(WORDS) for _ in range(length)]
        sentences.append(" ".join(words).capitalize() + ".")
        remaining -= length
    return " ".join(sentences)


def word_for(*salt: object) -> str:
    """One capitalised word chosen by ``salt`` (string values in generated JSON)."""
    return WORDS[stable_hash(*salt) % len(WORDS)].capitalize()

"""The deterministic fake model both stand-ins generate and embed with, and its tokenizer."""

from __future__ import annotations

from ._model import FakeModel, Generation, Reply, Task, Token, embedding
from ._text import stable_hash
from ._tokenizer import Tokenizer, vocabulary_for

__all__ = [
    "FakeModel",
    "Generation",
    "Reply",
    "Task",
    "Token",
    "Tokenizer",
    "embedding",
    "stable_hash",
    "vocabulary_for",
]

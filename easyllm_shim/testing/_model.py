"""The fake model: what it generates for a validated request, token by token, and why it stops.

The continuation is the configured reply (or deterministic filler, or an instance of a JSON grammar),
with a leading space for sentencepiece vocabularies, tokenized, followed by the EOS token. TGI's
stopping criteria then cut it: after each token, first ``max_new_tokens`` ("length"), then EOS
("eos_token"), then stop sequences matched against the end of the text so far ("stop_sequence");
the matched stop text stays in the output.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ._grammar import json_instance
from ._text import WORDS, default_reply, stable_hash
from ._tokenizer import Tokenizer
from ._validation import ValidRequest

__all__ = ["FakeModel", "Generation", "Reply", "Token"]

Reply = str | Callable[[str, dict[str, Any]], str] | None

# StoppingCriteria keeps only the tail of the output it searches for stop sequences.
_STOP_WINDOW, _STOP_WINDOW_KEPT = 300, 200


@dataclass(frozen=True)
class Token:
    """A generated token as TGI reports it."""

    id: int
    text: str
    logprob: float
    special: bool

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "text": self.text, "logprob": self.logprob, "special": self.special}


@dataclass(frozen=True)
class Generation:
    """One finished sequence: its tokens, the top alternatives per position (if asked), and the outcome."""

    tokens: tuple[Token, ...]
    top_tokens: tuple[tuple[Token, ...], ...]
    text: str
    finish_reason: str
    seed: int | None

    @property
    def mean_logprob(self) -> float:
        return sum(token.logprob for token in self.tokens) / len(self.tokens)


class FakeModel:
    """Deterministic generation over ``Tokenizer`` pieces."""

    def __init__(self, tokenizer: Tokenizer) -> None:
        self.tokenizer = tokenizer

    def generate(self, request: ValidRequest, reply: Reply, seed: int) -> Generation:
        salt = seed if request.sampling else request.inputs
        continuation = self._continuation(request, reply, seed)
        if request.schema is None and self.tokenizer.vocabulary.leading_space and continuation[:1].strip():
            # Sentencepiece decodes the first word of a continuation with its leading space.
            continuation = " " + continuation
        pieces = self.tokenizer.encode(continuation, add_special_tokens=False)
        pieces.append(self.tokenizer.eos)
        stops = [re.compile(re.escape(stop) + "$") for stop in request.parameters.stop]
        tokens: list[Token] = []
        window = ""
        reason = "length"
        for piece in pieces:
            tokens.append(Token(piece.id, piece.text, _logprob(piece.id, len(tokens), salt), piece.special))
            if len(tokens) >= request.max_new_tokens:
                reason = "length"
                break
            if piece.id == self.tokenizer.eos.id:
                reason = "eos_token"
                break
            if stops:
                window += piece.text
                if len(window) > _STOP_WINDOW:
                    window = window[-_STOP_WINDOW_KEPT:]
                if any(stop.search(window) for stop in stops):
                    reason = "stop_sequence"
                    break
        top = tuple(_alternatives(t, i, salt, request.top_n_tokens) for i, t in enumerate(tokens))
        text = "".join(token.text for token in tokens if not token.special)
        return Generation(tuple(tokens), top, text, reason, seed if request.sampling else None)

    @staticmethod
    def _continuation(request: ValidRequest, reply: Reply, seed: int) -> str:
        sample_seed = seed if request.sampling else None
        if request.schema is not None:
            return json_instance(request.schema, (request.inputs, sample_seed))
        if reply is None:
            return default_reply(request.inputs, sample_seed)
        if callable(reply):
            return reply(request.inputs, request.parameters.as_dict())
        return reply


def _logprob(token_id: int, position: int, salt: object) -> float:
    return round(-(stable_hash(token_id, position, salt) % 2500) / 1000, 3) + 0.0


def _alternatives(chosen: Token, position: int, salt: object, count: int) -> tuple[Token, ...]:
    """The chosen token first, then less likely made-up tokens, as TGI's top_tokens lists them."""
    if count <= 0:
        return ()
    others = []
    for rank in range(1, count):
        word = WORDS[stable_hash(chosen.id, position, rank, salt) % len(WORDS)]
        token_id = 3 + stable_hash(" " + word) % 31997
        logprob = round(chosen.logprob - 0.75 * rank - (stable_hash(rank, salt) % 100) / 1000, 3)
        others.append(Token(token_id, " " + word, logprob, False))
    return (chosen, *others)

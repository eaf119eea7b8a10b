"""The fake model both stand-ins generate with: what it writes for a ``Task``, token by token, and why it stops.

The continuation is the configured reply (or deterministic filler, or an instance of the task's JSON
schema), with a leading space for sentencepiece vocabularies, tokenized, followed by the EOS token.
TGI's stopping criteria then cut it: after each token, first ``max_new_tokens`` ("length"), then EOS
("eos_token"), then stop sequences matched against the end of the text so far ("stop_sequence");
the matched stop text stays in the output. (vLLM's engine finishes a sequence its own way, from the
same tokens.) ``embedding`` is the model's vector for an input.

A tool-choice grammar (TGI's: ``{"function": {"anyOf": [...]}}`` with one option per function, each
naming it in a constant ``_name``, and ``no_tool`` when the model may answer in text) is met the way a
real model meets it: it calls the first function, unless text is allowed and the prompt already holds
a call of one of the functions (so the tool's result is in the conversation), in which case it answers
via ``no_tool``: in text, or, when that answer's ``content`` is an object schema (tools with a
``response_format``), with an instance of that schema. A grammar without ``no_tool`` (``tool_choice``
"required" or a named tool) forces the call.
"""

from __future__ import annotations

import json
import math
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ._json_instance import json_instance
from ._text import WORDS, default_reply, stable_hash
from ._tokenizer import Tokenizer

__all__ = ["FakeModel", "Generation", "Reply", "Task", "Token", "embedding"]

Reply = str | Callable[[str, dict[str, Any]], str] | None

NO_TOOL = "no_tool"

# StoppingCriteria keeps only the tail of the output it searches for stop sequences.
_STOP_WINDOW, _STOP_WINDOW_KEPT = 300, 200


@dataclass(frozen=True)
class Task:
    """What the model is asked: continue ``prompt`` for at most ``max_new_tokens`` tokens, greedily or
    sampling with ``seed``; ``schema`` (a JSON schema) replaces the reply with an instance of it, and a
    reply callable receives ``(prompt, reply_context)``."""

    prompt: str
    max_new_tokens: int
    seed: int
    sampling: bool
    stop: tuple[str, ...] = ()
    top_n_tokens: int = 0
    schema: dict[str, Any] | None = None
    reply_context: dict[str, Any] = field(default_factory=dict)


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

    def generate(self, task: Task, reply: Reply) -> Generation:
        salt = task.seed if task.sampling else task.prompt
        continuation = self._continuation(task, reply)
        if task.schema is None and self.tokenizer.vocabulary.leading_space and continuation[:1].strip():
            # Sentencepiece decodes the first word of a continuation with its leading space.
            continuation = " " + continuation
        pieces = self.tokenizer.encode(continuation, add_special_tokens=False)
        pieces.append(self.tokenizer.eos)
        stops = [re.compile(re.escape(stop) + "$") for stop in task.stop]
        tokens: list[Token] = []
        window = ""
        reason = "length"
        for piece in pieces:
            tokens.append(Token(piece.id, piece.text, _logprob(piece.id, len(tokens), salt), piece.special))
            if len(tokens) >= task.max_new_tokens:
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
        top = tuple(_alternatives(t, i, salt, task.top_n_tokens) for i, t in enumerate(tokens))
        text = "".join(token.text for token in tokens if not token.special)
        return Generation(tuple(tokens), top, text, reason, task.seed if task.sampling else None)

    @staticmethod
    def _continuation(task: Task, reply: Reply) -> str:
        sample_seed = task.seed if task.sampling else None
        if task.schema is not None:
            answer_schema = _text_answer_schema(task.schema, task.prompt)
            if answer_schema is None:
                return json_instance(task.schema, (task.prompt, sample_seed))
            if answer_schema.get("type") == "string":
                answer = FakeModel._text(task, reply, sample_seed)
            else:
                # A structured answer (tools with a response_format): an instance of the format's schema.
                answer = json.loads(json_instance(answer_schema, (task.prompt, sample_seed), task.schema))
            call = {"function": {"_name": NO_TOOL, "content": answer}}
            return json.dumps(call, separators=(",", ":"), ensure_ascii=False)
        return FakeModel._text(task, reply, sample_seed)

    @staticmethod
    def _text(task: Task, reply: Reply, sample_seed: int | None) -> str:
        if reply is None:
            return default_reply(task.prompt, sample_seed)
        if callable(reply):
            return reply(task.prompt, task.reply_context)
        return reply


def _text_answer_schema(schema: dict[str, Any], prompt: str) -> dict[str, Any] | None:
    """The schema of a tool-choice grammar's ``no_tool`` answer, when the grammar offers one and the prompt
    already holds a call of one of its functions; otherwise None (the model calls a function)."""
    properties = schema.get("properties")
    function = properties.get("function") if isinstance(properties, dict) else None
    options = function.get("anyOf") if isinstance(function, dict) else None
    if not isinstance(options, list):
        return None
    names = [_constant_name(option) for option in options]
    if NO_TOOL not in names:
        return None
    called = "|".join(re.escape(name) for name in names if name is not None and name != NO_TOOL)
    if not called or re.search(rf'"_name"\s*:\s*"(?:{called})"', prompt) is None:
        return None
    content = options[names.index(NO_TOOL)]["properties"].get("content")
    return content if isinstance(content, dict) else {"type": "string"}


def _constant_name(option: Any) -> str | None:
    properties = option.get("properties") if isinstance(option, dict) else None
    name = properties.get("_name") if isinstance(properties, dict) else None
    constant = name.get("const") if isinstance(name, dict) else None
    return constant if isinstance(constant, str) else None


def embedding(item: Any, size: int, dimensions: int, *, normalize: bool = True) -> list[float]:
    """The vector for ``item`` (a text, or token ids): ``size`` pseudo-random values seeded by the item, of
    which the first ``dimensions`` are kept (a Matryoshka cut), scaled to unit length when ``normalize``."""
    generator = random.Random(stable_hash("embedding", json.dumps(item)))
    vector = [generator.uniform(-1.0, 1.0) for _ in range(size)][:dimensions]
    if not normalize:
        return vector
    norm = math.sqrt(sum(value * value for value in vector)) or 1.0
    return [value / norm for value in vector]


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

"""The fake model behind the OpenAI-compatible stand-in, finished the way vLLM's engine finishes a sequence.

Tokens come from the ``FakeModel`` the TGI stand-in generates with too (same tokenizer, same filler,
same JSON instances), so both stand-ins say the same thing for the same prompt and seed. What differs is
vLLM's ending: the scheduler checks EOS before the length limit, the EOS is counted but never
decoded, and stop strings are matched in the decoded text, which is cut *before* the stop string
(unless ``include_stop_str_in_output``). While stop strings are pending, the last
``len(longest stop) - 1`` characters are held back from the stream, as vLLM's detokenizer does.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..fake_model import FakeModel, Reply, Task, Token, Tokenizer, stable_hash
from ._sampling import Sampling

__all__ = ["Engine", "Output"]

_SEEDS = random.SystemRandom()


@dataclass(frozen=True)
class Output:
    """One finished sequence: its text, its token count, and the text released at each engine step."""

    text: str
    token_count: int
    deltas: tuple[str, ...]
    finish_reason: str
    stop_reason: str | None


def _find_stop(text: str, new_chars: int, stop: tuple[str, ...], include: bool) -> tuple[str, int] | None:
    """``check_stop_strings``: the stop string that completes first in the new text, and where to cut."""
    best: tuple[str, int] | None = None
    best_end = sys.maxsize
    for each in stop:
        index = text.find(each, 1 - new_chars - len(each))
        if index != -1 and index + len(each) < best_end:
            best, best_end = (each, index), index + len(each)
    if best is None:
        return None
    stop_string, index = best
    if not include:
        return stop_string, index
    return stop_string, -1 if best_end >= len(text) else best_end


class Engine:
    """Generates ``n`` sequences for a rendered prompt; ``reply`` is read once per request."""

    def __init__(self, tokenizer: Tokenizer, reply: Callable[[], Reply]) -> None:
        self.tokenizer = tokenizer
        self.model = FakeModel(tokenizer)
        self._reply = reply

    def generate(
        self,
        prompt: str,
        sampling: Sampling,
        body: dict[str, Any],
        schema: dict[str, Any] | None = None,
    ) -> list[Output]:
        reply = self._reply()
        outputs = []
        for index in range(sampling.n):
            # Stop strings are vLLM's business (``_finish``), so the model is asked without them.
            seed = self._seed(sampling, index)
            task = Task(prompt, sampling.max_tokens, seed, not sampling.greedy, schema=schema, reply_context=body)
            generation = self.model.generate(task, reply)
            outputs.append(self._finish(generation.tokens, sampling))
        return outputs

    @staticmethod
    def _seed(sampling: Sampling, index: int) -> int:
        """The request's seed for the first sequence and derived ones for the others (a random one if unset)."""
        if sampling.seed is None:
            return _SEEDS.getrandbits(64)
        return sampling.seed if index == 0 else stable_hash(sampling.seed, index)

    def _finish(self, tokens: tuple[Token, ...], sampling: Sampling) -> Output:
        include = sampling.include_stop_str_in_output
        hold_back = max(len(each) for each in sampling.stop) - 1 if sampling.stop and not include else 0
        text, released, deltas = "", 0, []
        finish_reason: str | None = None
        stop_reason: str | None = None
        count = 0
        for position, token in enumerate(tokens):
            count += 1
            is_eos = token.id == self.tokenizer.eos.id
            # An EOS ends the sequence as "stop" before the length limit is looked at, and is not decoded.
            piece = "" if is_eos or token.special else token.text
            text += piece
            if is_eos:
                finish_reason = "stop"
            elif position == len(tokens) - 1:
                finish_reason = "length"
            found = _find_stop(text, len(piece), sampling.stop, include) if piece and sampling.stop else None
            if found is not None:
                stop_reason, cut = found
                text = text if cut == -1 else text[:cut]
                finish_reason = "stop"
            visible = len(text) - (0 if finish_reason is not None else hold_back)
            deltas.append(text[released:visible] if visible > released else "")
            released = max(released, visible)
            if finish_reason is not None:
                break
        return Output(text, count, tuple(deltas), finish_reason or "length", stop_reason)

"""The fake model's tokenizer: deterministic, dependency-free, close enough to sentencepiece to count with.

A token is a word or a punctuation mark together with the spaces before it (" Hello", " there", "!"),
a newline on its own, or one of the known control strings (``<s>``, ``</s>``, ``[INST]``...), which are
never split. Ids are stable hashes of the text, with the real ids for the special tokens.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass

__all__ = ["Piece", "Tokenizer", "Vocabulary", "vocabulary_for"]

# Control strings the real tokenizers keep whole. `special` ones are dropped from decoded text.
_SPECIAL_IDS = {
    "<unk>": 0,
    "<s>": 1,
    "</s>": 2,
    "<|endoftext|>": 151643,
    "<|im_start|>": 151644,
    "<|im_end|>": 151645,
    "<|begin_of_text|>": 128000,
    "<|end_of_text|>": 128001,
    "<|start_header_id|>": 128006,
    "<|end_header_id|>": 128007,
    "<|eot_id|>": 128009,
}
# Whole, but ordinary text for the model (Llama 2's markers are plain text pieces in its vocabulary).
_ATOMIC = ("[INST]", "[/INST]", "<<SYS>>", "<</SYS>>", "<|system|>", "<|user|>", "<|assistant|>")
_VOCABULARY_SIZE = 32000
_FIRST_ORDINARY_ID = 3

_CONTROL = "|".join(re.escape(text) for text in sorted([*_SPECIAL_IDS, *_ATOMIC], key=len, reverse=True))
_PIECES = re.compile(
    rf"(?:{_CONTROL})"  # a control string, whole
    r"|\n"  # a newline on its own
    rf"|[^\S\n]+(?=(?:{_CONTROL})|\n|$)"  # spaces before a control string, a newline or the end
    r"|[^\S\n]*\w+"  # a word with the spaces before it
    r"|[^\S\n]*[^\w\s]"  # a punctuation mark with the spaces before it
    r"|[^\S\n]+",
)


@dataclass(frozen=True)
class Piece:
    """One token of a text: its id, text, whether it is special, and its character offsets."""

    id: int
    text: str
    special: bool
    start: int
    stop: int


@dataclass(frozen=True)
class Vocabulary:
    """The model family's BOS (added by the tokenizer; None if it adds none) and EOS texts, and whether
    its first generated word decodes with a leading space (sentencepiece) or not (byte-level BPE)."""

    bos: str | None
    eos: str
    leading_space: bool = True


_LLAMA = Vocabulary("<s>", "</s>")
_LLAMA3 = Vocabulary("<|begin_of_text|>", "<|eot_id|>", leading_space=False)
_CHATML = Vocabulary(None, "<|im_end|>", leading_space=False)


def vocabulary_for(model_id: str) -> Vocabulary:
    """Llama 3 and ChatML families get their own BOS/EOS; everything else is sentencepiece-like."""
    name = model_id.lower()
    if "llama-3" in name or "llama3" in name:
        return _LLAMA3
    if "qwen" in name or "chatml" in name or "openhermes" in name:
        return _CHATML
    return _LLAMA


class Tokenizer:
    """Encodes text to ``Piece`` lists the way TGI's tokenizer would count them."""

    def __init__(self, vocabulary: Vocabulary) -> None:
        self.vocabulary = vocabulary
        self.eos = self.piece(vocabulary.eos, 0)

    @staticmethod
    def piece(text: str, start: int) -> Piece:
        special_id = _SPECIAL_IDS.get(text)
        if special_id is not None:
            return Piece(special_id, text, True, start, start + len(text))
        token_id = _FIRST_ORDINARY_ID + zlib.crc32(text.encode("utf-8")) % (_VOCABULARY_SIZE - _FIRST_ORDINARY_ID)
        return Piece(token_id, text, False, start, start + len(text))

    def encode(self, text: str, *, add_special_tokens: bool) -> list[Piece]:
        """Tokens of ``text``; with ``add_special_tokens`` the BOS comes first (offsets 0..0, as in TGI)."""
        pieces = [self.piece(match.group(), match.start()) for match in _PIECES.finditer(text)]
        bos = self.vocabulary.bos
        if add_special_tokens and bos is not None:
            first = self.piece(bos, 0)
            pieces.insert(0, Piece(first.id, "", True, 0, 0))
        return pieces

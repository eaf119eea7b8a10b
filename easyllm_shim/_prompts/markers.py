r"""Turn-forgery protection: make control markers inside message text inert.

A marker (``</s>``, ``[INST]``, ``<|im_start|>``, ...) found in a message's text gets a ZERO WIDTH SPACE
(U+200B) inserted after its first character, so ``</s>`` becomes ``<\u200b/s>``. Why this and not
escaping or deleting (the full argument is in docs/prompts.md):

* tokenizers match special tokens as exact strings on the raw text, so the altered marker is plain text;
* U+200B is not whitespace to ``str.strip()`` or jinja's ``trim``, so templates that strip content
  cannot remove it again;
* deleting markers can assemble new ones (``<</s>/s>`` minus ``</s>`` is ``</s>``); insertion cannot;
* the text still reads the same to a human and nearly the same to the model.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["DEFAULT_GUARD", "SPECIAL_TOKEN_MARKERS", "ZWSP", "MarkerGuard"]

ZWSP = "\u200b"

# Special-token markers of every built-in family. They are never legitimate content in a chat message,
# so all formats neutralise all of them: a model id mapped to the wrong family stays protected.
SPECIAL_TOKEN_MARKERS: tuple[str, ...] = (
    # Llama 2 / Mistral
    "<s>",
    "</s>",
    "[INST]",
    "[/INST]",
    "<<SYS>>",
    "<</SYS>>",
    # Llama 3
    "<|begin_of_text|>",
    "<|end_of_text|>",
    "<|start_header_id|>",
    "<|end_header_id|>",
    "<|eot_id|>",
    # ChatML
    "<|im_start|>",
    "<|im_end|>",
    "<|endoftext|>",
    # Zephyr, StarChat/HF ChatML, Open Assistant
    "<|system|>",
    "<|user|>",
    "<|assistant|>",
    "<|end|>",
    "<|prompter|>",
)

# Any other ``<|name|>`` token (Llama 3's reserved tokens, <|eom_id|>, <|python_tag|>, FIM tokens, ...).
_PIPE_TOKEN = r"<\|[^\s|<>]{1,64}\|>"
_PIPE_TOKEN_RE = re.compile(_PIPE_TOKEN)


def _insert_zwsp(match: re.Match[str]) -> str:
    marker = match.group()
    return marker[0] + ZWSP + marker[1:]


class MarkerGuard:
    """Neutralises a fixed set of markers (plus every ``<|name|>`` token) in message text.

    Calling the guard returns the text itself, not a copy, when it holds no marker.
    """

    __slots__ = ("_first_chars", "_pattern", "markers")

    def __init__(self, markers: Iterable[str] = SPECIAL_TOKEN_MARKERS) -> None:
        # A marker needs two characters to take the insertion, and neutralising whitespace would touch every
        # paragraph (some tokenizers declare "\n\n" special).
        self.markers: tuple[str, ...] = tuple(
            dict.fromkeys(marker for marker in markers if len(marker) > 1 and not marker.isspace())
        )
        # The <|name|> pattern already covers pipe tokens; leaving them out keeps the alternation short even
        # for a tokenizer with hundreds of special tokens. Longest first, so no marker is cut short by a prefix.
        explicit = [marker for marker in self.markers if _PIPE_TOKEN_RE.fullmatch(marker) is None]
        alternatives = [re.escape(marker) for marker in sorted(explicit, key=len, reverse=True)]
        self._pattern = re.compile("|".join([*alternatives, _PIPE_TOKEN]))
        # `c in text` is a memchr; most texts contain none of these characters and skip the regex entirely.
        self._first_chars: tuple[str, ...] = tuple(dict.fromkeys(["<", *(marker[0] for marker in self.markers)]))

    def __call__(self, text: str) -> str:
        for char in self._first_chars:
            if char in text:
                return self._pattern.sub(_insert_zwsp, text)
        return text

    def markers_in(self, text: str) -> list[str]:
        """The markers this guard would neutralise in ``text``, in order (non-overlapping)."""
        return self._pattern.findall(text)

    def extended(self, markers: Iterable[str]) -> MarkerGuard:
        """A guard for this guard's markers plus ``markers``."""
        return MarkerGuard([*self.markers, *markers])

    def __repr__(self) -> str:
        return f"MarkerGuard({len(self.markers)} markers)"


DEFAULT_GUARD = MarkerGuard()

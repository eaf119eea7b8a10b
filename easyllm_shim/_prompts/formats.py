"""ChatFormat: one chat prompt format (a family builder, a chat template or a custom callable)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from .markers import DEFAULT_GUARD, MarkerGuard
from .messages import Messages, Turn, normalize
from .roles import FREE_ORDER, RoleRules, check_roles

__all__ = ["Builder", "ChatFormat", "turn_builder"]

# Renders validated, neutralised turns to the full prompt text (leading BOS included).
Builder = Callable[[Sequence[Turn]], str]


def turn_builder(header: Callable[[str], str], *, end: str, cue: str, strip: bool = False, start: str = "") -> Builder:
    """The builder of a format that writes every turn alike.

    It writes ``start``, then ``header(role) + content + end`` for each turn, then ``cue``, which opens the
    assistant's reply. ``strip=True`` strips each content first, for the formats whose template does.
    """

    def build(turns: Sequence[Turn]) -> str:
        parts = [start]
        extend = parts.extend
        for turn in turns:
            extend((header(turn.role), turn.content.strip() if strip else turn.content, end))
        parts.append(cue)
        return "".join(parts)

    return build


@dataclass(frozen=True)
class ChatFormat:
    """A chat prompt format and the stop strings that belong to it.

    ``name``: "llama2", "llama3", "mistral", "chatml", ... or "template:<model>" / "custom".
    ``stop``: stop strings to add to the TGI request and strip from answers.
    ``build``: renders normalised turns; use ``render``/``prompt`` rather than calling it.
    ``bos``: the BOS text the template writes and TGI's tokenizer adds by itself; ``prompt()`` drops it.
    ``rules``: the role sequences the format accepts.
    ``display``: the model family's name in error messages ("Llama 2").
    ``neutralize_markers``: make control markers in message text inert (default); ``False`` opts out.
    ``guard``: the markers to neutralise.
    """

    name: str
    stop: tuple[str, ...]
    build: Builder = field(repr=False, compare=False)
    bos: str = ""
    rules: RoleRules = FREE_ORDER
    display: str = ""
    neutralize_markers: bool = True
    guard: MarkerGuard = field(default=DEFAULT_GUARD, repr=False, compare=False)

    def render(self, messages: Messages) -> str:
        """The full prompt exactly as the published template renders it, leading BOS included.

        ``messages`` is a bare string (one user turn) or a sequence of messages (dicts, openai typed
        params, or objects with ``.role``/``.content``). Raises PromptError if the conversation is not
        valid for this format.
        """
        turns = normalize(messages, self.name, self.guard if self.neutralize_markers else None)
        check_roles(turns, self.rules, self.name, self.display or self.name)
        return self.build(turns)

    def prompt(self, messages: Messages) -> str:
        """What to send to TGI ``/generate``: ``render()`` minus the leading BOS the tokenizer adds itself.

        Inner BOS/EOS text (Llama 2's ``</s><s>`` between turns) stays.
        """
        text = self.render(messages)
        bos = self.bos
        if bos and text.startswith(bos):
            return text[len(bos) :]
        return text

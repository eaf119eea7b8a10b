"""Validation plus generation for one request, as TGI's ``Infer`` runs them (best_of included)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..fake_model import FakeModel, Generation, Reply, Task, Tokenizer
from ._requests import GenerateParameters
from ._validation import Limits, ValidRequest, validate, validate_best_of, validate_stream

__all__ = ["Infer", "Inference"]


@dataclass(frozen=True)
class Inference:
    """The validated request, the returned sequence and, for ``best_of``, the other sequences."""

    request: ValidRequest
    best: Generation
    others: tuple[Generation, ...] = ()


class Infer:
    """Runs requests against the fake model; ``reply`` is read once per request."""

    def __init__(self, limits: Limits, tokenizer: Tokenizer, reply: Callable[[], Reply]) -> None:
        self.limits = limits
        self.tokenizer = tokenizer
        self.model = FakeModel(tokenizer)
        self._reply = reply

    def generate(self, inputs: str, parameters: GenerateParameters, *, add_special_tokens: bool = True) -> Inference:
        """/generate: ``best_of > 1`` checks its limit first, then runs that many sampled sequences, each
        validated (and seeded) on its own; the one with the best mean logprob is returned."""
        best_of = parameters.best_of if parameters.best_of is not None else 1
        if best_of > 1:
            validate_best_of(best_of, self.limits)
        runs = [self._validate(inputs, parameters, add_special_tokens) for _ in range(max(best_of, 1))]
        reply = self._reply()
        generations = [self.model.generate(_task(run), reply) for run in runs]
        best = max(range(len(generations)), key=lambda i: generations[i].mean_logprob)
        others = tuple(g for i, g in enumerate(generations) if i != best)
        return Inference(runs[best], generations[best], others)

    def generate_stream(
        self, inputs: str, parameters: GenerateParameters, *, add_special_tokens: bool = True
    ) -> Inference:
        """/generate_stream: the stream-only rules come before the usual validation."""
        validate_stream(parameters)
        run = self._validate(inputs, parameters, add_special_tokens)
        return Inference(run, self.model.generate(_task(run), self._reply()))

    def _validate(self, inputs: str, parameters: GenerateParameters, add_special_tokens: bool) -> ValidRequest:
        return validate(inputs, parameters, self.limits, self.tokenizer, add_special_tokens=add_special_tokens)


def _task(request: ValidRequest) -> Task:
    """A validated request as the fake model takes it; a reply callable gets the effective parameters."""
    parameters = request.parameters
    return Task(
        prompt=request.inputs,
        max_new_tokens=request.max_new_tokens,
        seed=request.seed,
        sampling=request.sampling,
        stop=parameters.stop,
        top_n_tokens=request.top_n_tokens,
        schema=request.schema,
        reply_context=parameters.as_dict(),
    )

"""TGI's request validation (router/src/validation.rs), in TGI's order and with TGI's messages.

Each failure is a ``ValidationError`` whose text the routes send as
``{"error": "Input validation error: <text>", "error_type": "validation"}``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from ..fake_model import Tokenizer
from ._grammar import InvalidGrammarError, schema_of
from ._requests import GenerateParameters

__all__ = ["Limits", "ValidRequest", "ValidationError", "validate", "validate_best_of", "validate_stream"]

# validation.rs DEFAULT_GENERATION_LENGTH: the chunk a request is scheduled (and length-checked) by.
DEFAULT_GENERATION_LENGTH = 1024
_SEEDS = random.SystemRandom()


class ValidationError(ValueError):
    """A request TGI refuses with 422 ``error_type: "validation"``."""


@dataclass(frozen=True)
class Limits:
    """The launcher limits that validation reads (``--max-input-tokens`` and friends)."""

    max_best_of: int
    max_stop_sequences: int
    max_top_n_tokens: int
    max_input_tokens: int
    max_total_tokens: int
    grammar_support: bool


@dataclass(frozen=True)
class ValidRequest:
    """A request that passed validation, with what generation needs."""

    inputs: str
    parameters: GenerateParameters
    input_length: int
    sampling: bool
    seed: int
    max_new_tokens: int
    top_n_tokens: int
    schema: dict[str, Any] | None


def validate_best_of(best_of: int, limits: Limits) -> None:
    """Checked first on /generate when ``best_of > 1`` (``Validation::validate_best_of``)."""
    if limits.max_best_of == 1 and best_of != 1:
        raise ValidationError("`best_of` != 1 is not allowed for this endpoint")
    if best_of > limits.max_best_of:
        raise ValidationError(f"`best_of` must be > 0 and <= {limits.max_best_of}. Given: {best_of}")


def validate_stream(parameters: GenerateParameters) -> None:
    """The stream-only rules, checked inside /generate_stream before anything else."""
    if (parameters.best_of if parameters.best_of is not None else 1) != 1:
        raise ValidationError("`best_of` != 1 is not supported when streaming tokens")
    if parameters.decoder_input_details:
        raise ValidationError("`decoder_input_details` == true is not supported when streaming tokens")


def validate(
    inputs: str,
    parameters: GenerateParameters,
    limits: Limits,
    tokenizer: Tokenizer,
    *,
    add_special_tokens: bool = True,
) -> ValidRequest:
    """``Validation::validate``: every check in TGI's order; the first failure wins."""
    p = parameters
    best_of = p.best_of if p.best_of is not None else 1
    asks_sampling = p.do_sample or any(v is not None for v in (p.temperature, p.top_k, p.top_p, p.typical_p))
    if best_of > 1 and not asks_sampling:
        raise ValidationError("you must use sampling when `best_of` is > 1")
    temperature = p.temperature if p.temperature is not None else 1.0
    if temperature <= 0.0:
        raise ValidationError("`temperature` must be strictly positive")
    if p.repetition_penalty is not None and p.repetition_penalty <= 0.0:
        raise ValidationError("`repetition_penalty` must be strictly positive")
    if p.frequency_penalty is not None and not -2.0 <= p.frequency_penalty <= 2.0:
        raise ValidationError("`frequency_penalty` must be >= -2.0 and <= 2.0")
    if p.top_p is not None and not 0.0 < p.top_p < 1.0:
        raise ValidationError("`top_p` must be > 0.0 and < 1.0")
    if p.typical_p is not None and not 0.0 < p.typical_p < 1.0:
        raise ValidationError("`typical_p` must be > 0.0 and < 1.0")
    if p.top_k is not None and p.top_k <= 0:
        raise ValidationError("`top_k` must be strictly positive")
    if p.max_new_tokens == 0:
        raise ValidationError("`max_new_tokens` must be strictly positive")
    if len(p.stop) > limits.max_stop_sequences:
        raise ValidationError(f"`stop` supports up to {limits.max_stop_sequences} stop sequences. Given: {len(p.stop)}")
    if p.seed is not None and best_of > 1:
        raise ValidationError("`seed` must not be set when `best_of` > 1")
    seed = p.seed if p.seed is not None else _SEEDS.getrandbits(64)
    top_n_tokens = p.top_n_tokens or 0
    if top_n_tokens > limits.max_top_n_tokens:
        raise ValidationError(f"`top_n_tokens` must be >= 0 and <= {limits.max_top_n_tokens}. Given: {top_n_tokens}")
    if not inputs:
        raise ValidationError("`inputs` cannot be empty")
    if p.truncate is not None and not 0 < p.truncate <= limits.max_input_tokens:
        raise ValidationError(
            f"`truncate` must be strictly positive and less than {limits.max_input_tokens}. Given: {p.truncate}"
        )
    input_length = len(tokenizer.encode(inputs, add_special_tokens=add_special_tokens))
    if p.truncate is not None:
        input_length = min(input_length, p.truncate)
    max_new_tokens = _length_checked(input_length, p.max_new_tokens, limits)
    schema = None
    if p.grammar is not None:
        try:
            schema = schema_of(p.grammar, supported=limits.grammar_support)
        except InvalidGrammarError as error:
            raise ValidationError(str(error)) from None
    # What the model server counts as sampling: any warper on, not merely a parameter present.
    sampling = p.do_sample or temperature != 1.0 or (p.top_k or 0) > 0 or (p.top_p or 1.0) < 1.0
    sampling = sampling or (p.typical_p or 1.0) < 1.0
    return ValidRequest(inputs, p, input_length, sampling, seed, max_new_tokens, top_n_tokens, schema)


def _length_checked(input_length: int, requested: int | None, limits: Limits) -> int:
    """The generation budget; TGI >= 3 checks only the first scheduling chunk against max_total_tokens."""
    budget = requested if requested is not None else max(limits.max_total_tokens - input_length, 0)
    chunk = min(budget, DEFAULT_GENERATION_LENGTH)
    if input_length + chunk > limits.max_total_tokens:
        raise ValidationError(
            f"`inputs` tokens + `max_new_tokens` must be <= {limits.max_total_tokens}. "
            f"Given: {input_length} `inputs` tokens and {chunk} `max_new_tokens`"
        )
    if input_length > limits.max_input_tokens:
        raise ValidationError(f"`inputs` must have less than {limits.max_input_tokens} tokens. Given: {input_length}")
    return budget

"""vLLM's checks after the request model: the context length, the output budget, and ``SamplingParams``.

In the serving order of vLLM 0.33: the output budget against ``--max-model-len``
(``TokenizeParams``), the prompt's length after tokenization, then ``get_max_tokens`` (which clamps
rather than refuses), then ``SamplingParams._verify_args`` in its order, then the greedy rule for
``n``. Every failure is a ``VLLMValidationError`` (a 400 naming its parameter when vLLM names one).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ._errors import VLLMValidationError
from ._requests import SamplingRequest

__all__ = ["Sampling", "check_output_budget", "check_prompt_length", "max_tokens_for", "sampling_params"]

# sampling_params.py: temperatures below _MAX_TEMP are raised to it; below _SAMPLING_EPS is greedy.
_SAMPLING_EPS = 1e-5
_MAX_TEMP = 1e-2
# VLLM_MAX_N_SEQUENCES default.
_MAX_N = 16384


@dataclass(frozen=True)
class Sampling:
    """The validated sampling parameters the fake model acts on."""

    n: int
    temperature: float
    seed: int | None
    stop: tuple[str, ...]
    include_stop_str_in_output: bool
    max_tokens: int

    @property
    def greedy(self) -> bool:
        return self.temperature < _SAMPLING_EPS


def check_output_budget(requested: int | None, parameter: str, max_model_len: int) -> None:
    """``TokenizeParams``: an output budget over the whole context is refused before anything is rendered."""
    if requested is not None and requested > max_model_len:
        raise VLLMValidationError(
            f"{parameter}={requested} cannot be greater than max_model_len={max_model_len}. "
            "Please request fewer output tokens.",
            parameter=parameter,
            value=requested,
        )


def check_prompt_length(tokens: int, max_model_len: int) -> None:
    """The prompt may fill the context but not exceed it. The tokenizer truncates at ``max_model_len + 1``,
    so a long prompt is always reported as "at least" that many tokens."""
    if tokens <= max_model_len:
        return
    count = max_model_len + 1
    raise VLLMValidationError(
        f"This model's maximum context length is {max_model_len} tokens. However, your prompt contains at least "
        f"{count} input tokens, which exceeds this limit even without any output tokens. "
        "Please reduce the length of the input prompt.",
        parameter="input_tokens",
        value=count,
    )


def max_tokens_for(max_model_len: int, requested: int | None, input_length: int) -> int:
    """``get_max_tokens``: what is left of the context, or less if the request asks for less."""
    left = max_model_len - input_length
    return left if requested is None else min(left, requested)


def _check_range(name: str, value: float, low: float, high: float) -> None:
    if not low <= value <= high:
        raise VLLMValidationError(f"{name} must be in [{low:g}, {high:g}], got {value}.")


def sampling_params(request: SamplingRequest, *, max_tokens: int, logprobs: int | None) -> Sampling:
    """``SamplingParams.from_optional``: unset values take the OpenAI defaults, then vLLM's checks run.
    ``max_tokens`` is the budget ``max_tokens_for`` settled, ``logprobs`` the count the route asks for."""
    count = 1 if request.n is None else request.n
    stop = [request.stop] if isinstance(request.stop, str) else request.stop
    temperature = 1.0 if request.temperature is None else request.temperature
    if 0 < temperature < _MAX_TEMP:
        temperature = _MAX_TEMP
    if count < 1:
        raise VLLMValidationError(f"n must be at least 1, got {count}.")
    if count > _MAX_N:
        raise VLLMValidationError(
            f"n must be at most {_MAX_N}, got {count}. "
            "To increase this limit, set the VLLM_MAX_N_SEQUENCES environment variable."
        )
    _check_range("presence_penalty", 0.0 if request.presence_penalty is None else request.presence_penalty, -2.0, 2.0)
    _check_range(
        "frequency_penalty", 0.0 if request.frequency_penalty is None else request.frequency_penalty, -2.0, 2.0
    )
    repetition = 1.0 if request.repetition_penalty is None else request.repetition_penalty
    if not math.isfinite(repetition):
        raise VLLMValidationError(f"repetition_penalty must be a finite number, got {repetition}.")
    if repetition <= 0.0:
        raise VLLMValidationError(f"repetition_penalty must be greater than zero, got {repetition}.")
    if not math.isfinite(temperature):
        raise VLLMValidationError(
            f"temperature must be a finite number, got {temperature}.", parameter="temperature", value=temperature
        )
    if temperature < 0.0:
        raise VLLMValidationError(
            f"temperature must be non-negative, got {temperature}.", parameter="temperature", value=temperature
        )
    if temperature > 2.0:
        raise VLLMValidationError(
            f"temperature must be in [0, 2], got {temperature}.", parameter="temperature", value=temperature
        )
    nucleus = 1.0 if request.top_p is None else request.top_p
    if not 0.0 < nucleus <= 1.0:
        raise VLLMValidationError(f"top_p must be in (0, 1], got {nucleus}.", parameter="top_p", value=nucleus)
    if (request.top_k or 0) < -1:
        raise VLLMValidationError(f"top_k must be 0 (disable), or at least 1, got {request.top_k}.")
    _check_range("min_p", 0.0 if request.min_p is None else request.min_p, 0.0, 1.0)
    if max_tokens < 1:
        raise VLLMValidationError(
            f"max_tokens must be at least 1, got {max_tokens}.", parameter="max_tokens", value=max_tokens
        )
    if request.min_tokens < 0:
        raise VLLMValidationError(f"min_tokens must be greater than or equal to 0, got {request.min_tokens}.")
    if request.min_tokens > max_tokens:
        raise VLLMValidationError(
            f"min_tokens must be less than or equal to max_tokens={max_tokens}, got {request.min_tokens}."
        )
    if logprobs is not None and logprobs != -1 and logprobs < 0:
        raise VLLMValidationError(
            f"logprobs must be non-negative or -1, got {logprobs}.", parameter="logprobs", value=logprobs
        )
    if any(not each for each in stop):
        raise VLLMValidationError("stop cannot contain an empty string.")
    seed = None if request.seed == -1 else request.seed
    sampling = Sampling(count, temperature, seed, tuple(stop), request.include_stop_str_in_output, max_tokens)
    if sampling.greedy and count > 1:
        raise VLLMValidationError(f"n must be 1 when using greedy sampling, got {count}.")
    return sampling

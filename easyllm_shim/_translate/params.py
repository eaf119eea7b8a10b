"""Validation and mapping shared by every OpenAI route the shim translates (chat, completions, embeddings)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from .errors import InvalidRequest

# TGI-only parameters, sent through `extra_body`; TGI validates them itself (a bad value is its 422).
TGI_PASSTHROUGH = frozenset({"top_k", "repetition_penalty", "truncate", "typical_p", "watermark", "adapter_id"})
# OpenAI parameters TGI cannot honour. Dropping them silently would change results, so they are refused.
UNSUPPORTED: Mapping[str, str] = {
    "logit_bias": "TGI has no logit bias",
    "presence_penalty": (
        "TGI's /generate has no presence penalty (its Messages API turns it into repetition_penalty ="
        " presence_penalty + 2, a different penalty); pass extra_body={'repetition_penalty': ...} instead"
    ),
    "audio": "TGI generates text only",
    "modalities": "TGI generates text only",
    "prediction": "TGI has no predicted outputs",
    "reasoning_effort": "TGI has no reasoning-effort control",
    "verbosity": "TGI has no verbosity control",
    "web_search_options": "TGI has no web search",
    "functions": "use `tools`; the deprecated `functions` API is not translated",
    "function_call": "use `tool_choice`; the deprecated `functions` API is not translated",
    "suffix": "TGI has no insertion (fill-in-the-middle) mode",
    "best_of": "TGI's best_of is limited and not available in streams; ask for `n` choices instead",
}
# Values of unsupported parameters that ask for nothing (OpenAI's defaults).
_HARMLESS: tuple[Any, ...] = (None, 0, {}, [], "none", ["text"])
_HARMLESS_BY_NAME: Mapping[str, tuple[Any, ...]] = {"best_of": (None, 1)}
_FINISH_REASONS: Mapping[str, str] = {"eos_token": "stop", "stop_sequence": "stop", "length": "length"}


def check_names(body: Mapping[str, Any], known: frozenset[str]) -> None:
    """Refuse parameters the route does not know or TGI cannot honour, naming them."""
    for name, value in body.items():
        if name in known:
            continue
        if name in UNSUPPORTED:
            check_supported(name, value)
            continue
        raise InvalidRequest(
            f"Unknown parameter '{name}' for Hugging Face models (TGI parameters allowed through extra_body:"
            f" {', '.join(sorted(TGI_PASSTHROUGH))})",
            param=name,
        )


def check_supported(name: str, value: Any) -> None:
    """Refuse a parameter of UNSUPPORTED, unless its value asks for nothing (OpenAI's default)."""
    if value is True or value not in _HARMLESS_BY_NAME.get(name, _HARMLESS):
        raise InvalidRequest(f"Unsupported parameter '{name}' for Hugging Face models: {UNSUPPORTED[name]}", name)


def number(body: Mapping[str, Any], name: str, low: float, high: float) -> float | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidRequest(f"Invalid '{name}': expected a number, got {value!r}", param=name)
    if not low <= value <= high:
        raise InvalidRequest(f"Invalid '{name}': {value!r} is outside [{low:g}, {high:g}]", param=name)
    return value


def integer(body: Mapping[str, Any], name: str, low: int) -> int | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise InvalidRequest(f"Invalid '{name}': expected an integer >= {low}, got {value!r}", param=name)
    return value


# OpenAI's own bound on `n`: more is its 400, and here it would be as many upstream generations.
MAX_CHOICES = 128


def choice_count(body: Mapping[str, Any]) -> int:
    n = integer(body, "n", 1) or 1
    if n > MAX_CHOICES:
        raise InvalidRequest(f"Invalid 'n': {n} is greater than the maximum of {MAX_CHOICES}", param="n")
    return n


def include_usage(body: Mapping[str, Any], stream: bool) -> bool:
    """Whether a stream ends with a usage chunk (`stream_options.include_usage`, a boolean as on OpenAI)."""
    options = body.get("stream_options")
    if options is None:
        return False
    if not isinstance(options, Mapping):
        raise InvalidRequest(f"Invalid 'stream_options': expected an object, got {options!r}", "stream_options")
    wanted = options.get("include_usage")
    if wanted is not None and not isinstance(wanted, bool):
        raise InvalidRequest(
            f"Invalid 'stream_options.include_usage': expected a boolean, got {wanted!r}", "stream_options"
        )
    return stream and bool(wanted)


def stop_strings(body: Mapping[str, Any]) -> list[str]:
    stop = body.get("stop")
    if stop is None:
        return []
    stops = [stop] if isinstance(stop, str) else stop
    if not isinstance(stops, list) or not all(isinstance(item, str) and item for item in stops):
        raise InvalidRequest(f"Invalid 'stop': expected a non-empty string or a list of them, got {stop!r}", "stop")
    return stops


# TGI's launcher default. Plans are made for it; `with_stop_limit` adjusts a body for a server with another.
TGI_MAX_STOP_SEQUENCES = 4


def generation_parameters(body: Mapping[str, Any], stops: tuple[str, ...]) -> dict[str, Any]:
    """TGI `parameters` for the sampling, length, seed, penalty and stop settings every text route shares."""
    parameters: dict[str, Any] = {"details": True, "return_full_text": False}
    # OpenAI samples unless told otherwise; TGI is greedy unless told otherwise, and rejects
    # temperature 0 and top_p >= 1 (TGI wants temperature > 0 and 0 < top_p < 1). Both zeros mean
    # greedy on OpenAI.
    temperature = number(body, "temperature", 0, 2)
    top_p = number(body, "top_p", 0, 1)
    if temperature == 0 or top_p == 0:
        parameters["do_sample"] = False
    else:
        parameters["do_sample"] = True
        if temperature is not None:
            parameters["temperature"] = temperature
        if top_p is not None and top_p < 1:
            parameters["top_p"] = top_p
    max_tokens = integer(body, "max_completion_tokens", 1) or integer(body, "max_tokens", 1)
    if max_tokens is not None:
        parameters["max_new_tokens"] = max_tokens
    frequency_penalty = number(body, "frequency_penalty", -2, 2)
    if frequency_penalty:
        # TGI's schema excludes -2 (its validation accepts it); a millionth more is the same penalty.
        parameters["frequency_penalty"] = max(frequency_penalty, -2 + 1e-6)
    seed = body.get("seed")
    if seed is not None:
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise InvalidRequest(f"Invalid 'seed': expected an integer, got {seed!r}", param="seed")
        parameters["seed"] = tgi_seed(seed)
    if stops:
        parameters["stop"] = list(stops[:TGI_MAX_STOP_SEQUENCES])
    for name in TGI_PASSTHROUGH.intersection(body):
        parameters[name] = body[name]
    return parameters


def with_stop_limit(parameters: dict[str, Any], stops: tuple[str, ...], limit: int) -> dict[str, Any]:
    """`parameters` for a server that takes at most `limit` stop strings (its `/info` says so); the rest
    are cut client-side anyway."""
    if limit == TGI_MAX_STOP_SEQUENCES or len(stops) <= min(limit, TGI_MAX_STOP_SEQUENCES):
        return parameters
    return {**parameters, "stop": list(stops[:limit])}


class GenerationPlan(Protocol):
    """What `request_bodies` reads of a chat or completions plan."""

    @property
    def parameters(self) -> dict[str, Any]: ...
    @property
    def stops(self) -> tuple[str, ...]: ...
    @property
    def n(self) -> int: ...
    @property
    def stream(self) -> bool: ...


def request_bodies(
    plan: GenerationPlan, prompts: Sequence[str], *, serverless: bool, max_stop_sequences: int
) -> list[bytes]:
    """One TGI request body per prompt and choice, choice `j` of prompt `i` at `i * n + j`. With a seed,
    choice j uses seed + j, so the choices differ and choice 0 is what a lone call would answer."""
    planned = with_stop_limit(plan.parameters, plan.stops, max_stop_sequences)
    seed = planned.get("seed")
    bodies = []
    for prompt in prompts:
        for index in range(plan.n):
            choice = planned if seed is None or index == 0 else {**planned, "seed": choice_seed(seed, index)}
            body: dict[str, Any] = {"inputs": prompt, "parameters": choice}
            if serverless:  # the serverless API posts to TGI's compat route `/`, which takes `stream` in the body
                body["stream"] = plan.stream
            bodies.append(json.dumps(body).encode())
    return bodies


def tgi_seed(seed: int) -> int:
    """OpenAI's seed (any integer) as TGI's: a u64 its schema says is above 0. Distinct seeds stay distinct
    (below 2**64 - 1), so the same seed always gives the same answer."""
    return seed % (2**64 - 1) + 1


def choice_seed(first: int, index: int) -> int:
    """The TGI seed of choice `index` of `n`, when choice 0 has TGI seed `first` (as a lone call would)."""
    return (first - 1 + index) % (2**64 - 1) + 1


def finish_reason(tgi_reason: str | None, cut: bool) -> str:
    return "stop" if cut else _FINISH_REASONS.get(tgi_reason or "", "stop")


def usage(prompt_tokens: int, completion_tokens: int) -> dict[str, int]:
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }

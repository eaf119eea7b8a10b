"""OpenAI chat-completions request → TGI `/generate` call, and TGI's answer → OpenAI's `chat.completion`.

The mapping, parameter by parameter, is the table in docs/parameters.md.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .._prompts import ChatFormat, PromptError
from .errors import InvalidRequest
from .generation import Generation
from .logprobs import content_logprobs
from .stops import cut_at_stop
from .structured import ToolPlan, fold_tool_turns, plan_tools, response_format_grammar, tool_message

# Parameters that do not change what the model generates.
_IGNORED = frozenset(
    {"model", "messages", "stream", "stream_options", "user", "metadata", "store", "service_tier",
     "safety_identifier", "prompt_cache_key", "prompt_format", "parallel_tool_calls", "tool_prompt"}
)  # fmt: skip
# Translated below.
_TRANSLATED = frozenset(
    {"temperature", "top_p", "max_tokens", "max_completion_tokens", "stop", "seed", "frequency_penalty", "n",
     "logprobs", "top_logprobs", "response_format", "tools", "tool_choice"}
)  # fmt: skip
# TGI-only parameters, sent through `extra_body` and validated by TGI itself (tgi-protocol.md §1.1).
TGI_PASSTHROUGH = frozenset({"top_k", "repetition_penalty", "truncate", "typical_p", "watermark", "adapter_id"})
# OpenAI parameters TGI cannot honour. Dropping them silently would change results, so they are refused.
_UNSUPPORTED: Mapping[str, str] = {
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
}
# Values of unsupported parameters that ask for nothing (OpenAI's defaults).
_HARMLESS: tuple[Any, ...] = (None, 0, {}, [], "none", ["text"])
_KNOWN = _IGNORED | _TRANSLATED | TGI_PASSTHROUGH
_FINISH_REASONS: Mapping[str, str] = {"eos_token": "stop", "stop_sequence": "stop", "length": "length"}
# TGI's launcher default (tgi-protocol.md §1.1); extra stop strings are still cut client-side.
DEFAULT_MAX_STOP_SEQUENCES = 4


@dataclass(frozen=True, slots=True)
class ChatPlan:
    """One chat call, decided: what to send TGI and how to shape the answer."""

    model: str
    inputs: str
    parameters: dict[str, Any]
    stops: tuple[str, ...]
    stream: bool
    include_usage: bool
    n: int = 1
    logprobs: bool = False
    tools: ToolPlan | None = None

    def tgi_bodies(self, *, compat_route: bool) -> list[bytes]:
        """One TGI request body per choice. With a seed, choice i uses seed + i so the choices differ."""
        body: dict[str, Any] = {"inputs": self.inputs, "parameters": self.parameters}
        if compat_route:  # the serverless API's `/` route takes the stream flag in the body
            body["stream"] = self.stream
        if self.n == 1:
            return [json.dumps(body).encode()]
        seed = self.parameters.get("seed")
        bodies = []
        for index in range(self.n):
            parameters = self.parameters if seed is None else {**self.parameters, "seed": (seed + index) % 2**64}
            bodies.append(json.dumps({**body, "parameters": parameters}).encode())
        return bodies


@dataclass(frozen=True, slots=True)
class CompletionMeta:
    """Identity of one OpenAI response: fixed before the first byte so every stream chunk shares it."""

    id: str
    created: int
    model: str
    system_fingerprint: str | None = None

    @property
    def tool_call_id(self) -> str:
        return "call_" + self.id.rpartition("-")[2]


def _number(body: Mapping[str, Any], name: str, low: float, high: float) -> float | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidRequest(f"Invalid '{name}': expected a number, got {value!r}", param=name)
    if not low <= value <= high:
        raise InvalidRequest(f"Invalid '{name}': {value!r} is outside [{low:g}, {high:g}]", param=name)
    return value


def _integer(body: Mapping[str, Any], name: str, low: int) -> int | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise InvalidRequest(f"Invalid '{name}': expected an integer >= {low}, got {value!r}", param=name)
    return value


def _stop_strings(body: Mapping[str, Any]) -> list[str]:
    stop = body.get("stop")
    if stop is None:
        return []
    stops = [stop] if isinstance(stop, str) else stop
    if not isinstance(stops, list) or not all(isinstance(item, str) and item for item in stops):
        raise InvalidRequest(f"Invalid 'stop': expected a non-empty string or a list of them, got {stop!r}", "stop")
    return stops


def _check_names(body: Mapping[str, Any]) -> None:
    for name, value in body.items():
        if name in _KNOWN:
            continue
        if name in _UNSUPPORTED:
            if value in _HARMLESS:
                continue
            raise InvalidRequest(f"Unsupported parameter '{name}' for Hugging Face models: {_UNSUPPORTED[name]}", name)
        raise InvalidRequest(
            f"Unknown parameter '{name}' for Hugging Face models (TGI parameters allowed through extra_body:"
            f" {', '.join(sorted(TGI_PASSTHROUGH))})",
            param=name,
        )


def _sampling(body: Mapping[str, Any], parameters: dict[str, Any]) -> None:
    # OpenAI samples unless told otherwise; TGI is greedy unless told otherwise, and rejects
    # temperature 0 and top_p >= 1 (tgi-protocol.md §1.1). Both zeros mean greedy on OpenAI.
    temperature = _number(body, "temperature", 0, 2)
    top_p = _number(body, "top_p", 0, 1)
    if temperature == 0 or top_p == 0:
        parameters["do_sample"] = False
        return
    parameters["do_sample"] = True
    if temperature is not None:
        parameters["temperature"] = temperature
    if top_p is not None and top_p < 1:
        parameters["top_p"] = top_p


def _structured(body: Mapping[str, Any], parameters: dict[str, Any]) -> ToolPlan | None:
    tools = plan_tools(body)
    grammar = response_format_grammar(body.get("response_format"))
    if tools is not None and grammar is not None:
        raise InvalidRequest("Invalid 'response_format': it cannot be combined with tools", "response_format")
    grammar = grammar or (tools.grammar() if tools is not None else None)
    if grammar is not None:
        parameters["grammar"] = grammar
    return tools


def _logprobs(body: Mapping[str, Any], parameters: dict[str, Any]) -> bool:
    wanted = bool(body.get("logprobs"))
    top = _integer(body, "top_logprobs", 0)
    if top and not wanted:
        raise InvalidRequest("Invalid 'top_logprobs': it requires logprobs=true", param="top_logprobs")
    if wanted and top:
        parameters["top_n_tokens"] = top  # TGI caps it at /info's max_top_n_tokens (5 by default)
    return wanted


def plan_chat(
    body: Mapping[str, Any],
    resolve_format: Callable[[str, Any], ChatFormat],
    *,
    max_stop_sequences: int = DEFAULT_MAX_STOP_SEQUENCES,
) -> ChatPlan:
    """Validate an OpenAI chat request and decide the TGI call. Raises `InvalidRequest`."""
    _check_names(body)
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise InvalidRequest("Missing 'model'", param="model")
    stream = bool(body.get("stream"))
    n = _integer(body, "n", 1) or 1
    if n > 1 and stream:
        raise InvalidRequest(
            "Invalid 'n': streaming more than one choice is not supported for Hugging Face models", "n"
        )
    parameters: dict[str, Any] = {"details": True, "return_full_text": False}
    tools = _structured(body, parameters)
    chat_format = resolve_format(model, body.get("prompt_format"))
    messages = body.get("messages")
    if not isinstance(messages, list):
        raise InvalidRequest("Invalid 'messages': expected a list of messages", param="messages")
    try:
        inputs = chat_format.prompt(fold_tool_turns(messages, tools))
    except PromptError as error:
        raise InvalidRequest(f"Invalid 'messages': {error}", param="messages") from error

    _sampling(body, parameters)
    max_tokens = _integer(body, "max_completion_tokens", 1) or _integer(body, "max_tokens", 1)
    if max_tokens is not None:
        parameters["max_new_tokens"] = max_tokens
    frequency_penalty = _number(body, "frequency_penalty", -2, 2)
    if frequency_penalty:
        parameters["frequency_penalty"] = frequency_penalty
    seed = body.get("seed")
    if seed is not None:
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise InvalidRequest(f"Invalid 'seed': expected an integer, got {seed!r}", param="seed")
        parameters["seed"] = seed % 2**64  # TGI's seed is a u64; OpenAI's may be negative
    logprobs = _logprobs(body, parameters)
    stops = tuple(dict.fromkeys([*_stop_strings(body), *chat_format.stop]))
    if stops:
        parameters["stop"] = list(stops[:max_stop_sequences])
    for name in TGI_PASSTHROUGH.intersection(body):
        parameters[name] = body[name]
    stream_options = body.get("stream_options") or {}
    return ChatPlan(
        model=model,
        inputs=inputs,
        parameters=parameters,
        stops=stops,
        stream=stream,
        include_usage=stream and bool(stream_options.get("include_usage")),
        n=n,
        logprobs=logprobs,
        tools=tools,
    )


def strip_leading_space(text: str) -> str:
    # Sentencepiece models decode the first token with its word-boundary space: " Hello".
    return text[1:] if text.startswith(" ") else text


def finish_reason(tgi_reason: str | None, cut: bool) -> str:
    return "stop" if cut else _FINISH_REASONS.get(tgi_reason or "", "stop")


def usage(prompt_tokens: int, completion_tokens: int) -> dict[str, int]:
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }


def choice(plan: ChatPlan, meta: CompletionMeta, index: int, generation: Generation) -> dict[str, Any]:
    """One OpenAI choice for one TGI generation: stop strings cut, tool calls parsed, logprobs aligned."""
    text, cut = cut_at_stop(generation.text, plan.stops)
    if plan.tools is not None:
        message, reason = tool_message(text, meta.tool_call_id if index == 0 else f"{meta.tool_call_id}_{index}")
    else:
        message, reason = (
            {"role": "assistant", "content": strip_leading_space(text)},
            finish_reason(generation.finish_reason, cut),
        )
    logprobs = None
    if plan.logprobs:
        logprobs = {"content": content_logprobs(generation.details or {}, len(text)), "refusal": None}
    return {"index": index, "message": message, "logprobs": logprobs, "finish_reason": reason}


def chat_completion(
    plan: ChatPlan, meta: CompletionMeta, generations: Sequence[Generation], prompt_tokens: int
) -> bytes:
    """OpenAI `chat.completion` JSON for TGI `/generate` results, one per choice.

    As on OpenAI, the prompt is counted once and completion tokens are summed over the choices.
    """
    completion = {
        "id": meta.id,
        "object": "chat.completion",
        "created": meta.created,
        "model": meta.model,
        "system_fingerprint": meta.system_fingerprint,
        "choices": [choice(plan, meta, index, generation) for index, generation in enumerate(generations)],
        "usage": usage(prompt_tokens, sum(generation.generated_tokens for generation in generations)),
    }
    return json.dumps(completion).encode()

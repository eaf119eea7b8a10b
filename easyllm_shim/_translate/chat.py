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
from .generation import Answer, Generation, header_int, read_generation
from .logprobs import content_logprobs
from .params import (
    TGI_MAX_STOP_SEQUENCES,
    TGI_PASSTHROUGH,
    check_names,
    choice_count,
    finish_reason,
    generation_parameters,
    include_usage,
    integer,
    request_bodies,
    stop_strings,
    usage,
)
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
_KNOWN = _IGNORED | _TRANSLATED | TGI_PASSTHROUGH


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

    task = "generate"
    id_prefix = "chatcmpl-"

    def reply_body(self, meta: CompletionMeta, answers: Sequence[Answer]) -> bytes:
        """The `chat.completion` for TGI's successful answers, one per choice."""
        generations = [read_generation(content, with_details=self.logprobs) for _, _, content in answers]
        return chat_completion(self, meta, generations, header_int(answers[0][1], b"x-prompt-tokens"))

    def tgi_bodies(self, *, serverless: bool, max_stop_sequences: int = TGI_MAX_STOP_SEQUENCES) -> list[bytes]:
        """One TGI request body per choice. With a seed, choice i uses seed + i so the choices differ."""
        return request_bodies(self, (self.inputs,), serverless=serverless, max_stop_sequences=max_stop_sequences)


@dataclass(frozen=True, slots=True)
class CompletionMeta:
    """Identity of one OpenAI response: fixed before the first byte so every stream chunk shares it."""

    id: str
    created: int
    model: str
    system_fingerprint: str | None = None

    @property
    def tool_call_id(self) -> str:
        # The id's random digits: after `chatcmpl-`, `resp_` or `cmpl-`.
        return "call_" + self.id.rpartition("-")[2].rpartition("_")[2]


def _structured(body: Mapping[str, Any], parameters: dict[str, Any]) -> ToolPlan | None:
    tools = plan_tools(body)
    grammar = response_format_grammar(body.get("response_format"))
    if tools is not None and grammar is not None:
        # TGI takes one grammar. As on OpenAI, a forced or required call is a tool call whatever the
        # format, and with `auto` the model calls a tool or answers in the format (never in free text).
        tools = tools.answering_in(grammar["value"]) if tools.allow_text else tools
        grammar = None
    grammar = grammar or (tools.grammar() if tools is not None else None)
    if grammar is not None:
        parameters["grammar"] = grammar
    return tools


def _logprobs(body: Mapping[str, Any], parameters: dict[str, Any]) -> bool:
    wanted = bool(body.get("logprobs"))
    top = integer(body, "top_logprobs", 0)
    if top and not wanted:
        raise InvalidRequest("Invalid 'top_logprobs': it requires logprobs=true", param="top_logprobs")
    if wanted and top:
        parameters["top_n_tokens"] = top  # TGI caps it at /info's max_top_n_tokens (5 by default)
    return wanted


def plan_chat(
    body: Mapping[str, Any],
    resolve_format: Callable[[str, Any], ChatFormat],
) -> ChatPlan:
    """Validate an OpenAI chat request and decide the TGI call. Raises `InvalidRequest`."""
    check_names(body, _KNOWN)
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise InvalidRequest("Missing 'model'", param="model")
    stream = bool(body.get("stream"))
    n = choice_count(body)
    grammar: dict[str, Any] = {}
    tools = _structured(body, grammar)
    chat_format = resolve_format(model, body.get("prompt_format"))
    messages = body.get("messages")
    if not isinstance(messages, list):
        raise InvalidRequest("Invalid 'messages': expected a list of messages", param="messages")
    try:
        inputs = chat_format.prompt(fold_tool_turns(messages, tools))
    except PromptError as error:
        raise InvalidRequest(f"Invalid 'messages': {error}", param="messages") from error
    stops = tuple(dict.fromkeys([*stop_strings(body), *chat_format.stop]))
    parameters = generation_parameters(body, stops) | grammar
    logprobs = _logprobs(body, parameters)
    return ChatPlan(
        model=model,
        inputs=inputs,
        parameters=parameters,
        stops=stops,
        stream=stream,
        include_usage=include_usage(body, stream),
        n=n,
        logprobs=logprobs,
        tools=tools,
    )


def strip_leading_space(text: str) -> str:
    # Sentencepiece models decode the first token with its word-boundary space: " Hello".
    return text[1:] if text.startswith(" ") else text


def choice(plan: ChatPlan, meta: CompletionMeta, index: int, generation: Generation) -> dict[str, Any]:
    """One OpenAI choice for one TGI generation: stop strings cut, tool calls parsed, logprobs aligned."""
    text, cut = cut_at_stop(generation.text, plan.stops)
    if plan.tools is not None:
        call_id = meta.tool_call_id if index == 0 else f"{meta.tool_call_id}_{index}"
        message, reason = tool_message(text, call_id, generation.finish_reason)
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

"""OpenAI (legacy) text completions → TGI `/generate` with the raw prompt, and back to `text_completion`.

No chat template: the prompt is sent as written, and TGI's leading space stays (it belongs to the
continuation, as in OpenAI's own completions). A list of prompts makes one TGI request per prompt
and choice; choice `i * n + j` is prompt `i`'s `j`-th completion, as on OpenAI.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .chat import CompletionMeta
from .errors import InvalidRequest
from .generation import Answer, Generation, header_int, read_generation
from .params import (
    MAX_CHOICES,
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
from .stream import StreamTranslator, encode

_KNOWN = TGI_PASSTHROUGH | {
    "model", "prompt", "stream", "stream_options", "user", "temperature", "top_p", "max_tokens", "stop", "seed",
    "frequency_penalty", "n", "logprobs", "echo",
}  # fmt: skip
# OpenAI's own default for this endpoint (TGI's would be the whole remaining context).
DEFAULT_MAX_TOKENS = 16


@dataclass(frozen=True, slots=True)
class CompletionPlan:
    model: str
    prompts: tuple[str, ...]
    parameters: dict[str, Any]
    stops: tuple[str, ...]
    stream: bool
    include_usage: bool
    n: int = 1
    echo: bool = False
    logprobs: int | None = None

    task = "generate"
    id_prefix = "cmpl-"

    def reply_body(self, meta: CompletionMeta, answers: Sequence[Answer]) -> bytes:
        with_details = self.logprobs is not None
        generations = [read_generation(content, with_details=with_details) for _, _, content in answers]
        return self.answer(meta, generations, [header_int(headers, b"x-prompt-tokens") for _, headers, _ in answers])

    def tgi_bodies(self, *, serverless: bool, max_stop_sequences: int = TGI_MAX_STOP_SEQUENCES) -> list[bytes]:
        """One TGI request body per prompt and choice, in the order of OpenAI's choice indexes."""
        return request_bodies(self, self.prompts, serverless=serverless, max_stop_sequences=max_stop_sequences)

    def answer(self, meta: CompletionMeta, generations: Sequence[Generation], prompt_tokens: Sequence[int]) -> bytes:
        choices = [self._choice(index, generation) for index, generation in enumerate(generations)]
        completion = {
            "id": meta.id,
            "object": "text_completion",
            "created": meta.created,
            "model": meta.model,
            "system_fingerprint": meta.system_fingerprint,
            "choices": choices,
            # Each prompt is counted once, however many completions it got.
            "usage": usage(sum(prompt_tokens[:: self.n]), sum(g.generated_tokens for g in generations)),
        }
        return json.dumps(completion).encode()

    def _choice(self, index: int, generation: Generation) -> dict[str, Any]:
        text, cut = cut_at_stop(generation.text, self.stops)
        logprobs = None
        if self.logprobs is not None:
            logprobs = legacy_logprobs(generation.details or {}, len(text), self.logprobs)
        if self.echo:
            text = self.prompts[index // self.n] + text
        return {
            "index": index,
            "text": text,
            "logprobs": logprobs,
            "finish_reason": finish_reason(generation.finish_reason, cut),
        }


def legacy_logprobs(details: Mapping[str, Any], kept_chars: int, top: int) -> dict[str, Any]:
    """The completions endpoint's older logprobs shape: parallel lists plus text offsets."""
    tokens, token_logprobs, top_logprobs, offsets = [], [], [], []
    seen = 0
    top_tokens = details.get("top_tokens") or []
    for index, token in enumerate(details.get("tokens") or []):
        if seen >= kept_chars:
            break
        if token.get("special"):
            continue
        tokens.append(token["text"])
        token_logprobs.append(token.get("logprob"))
        alternatives = top_tokens[index] if index < len(top_tokens) else []
        top_logprobs.append({alt["text"]: alt.get("logprob") for alt in alternatives[:top]} if top else None)
        offsets.append(seen)
        seen += len(token["text"])
    return {"tokens": tokens, "token_logprobs": token_logprobs, "top_logprobs": top_logprobs, "text_offset": offsets}


def plan_completion(body: Mapping[str, Any]) -> CompletionPlan:
    """Validate an OpenAI completions request and decide the TGI calls. Raises `InvalidRequest`."""
    check_names(body, _KNOWN)
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise InvalidRequest("Missing 'model'", param="model")
    prompt = body.get("prompt")
    prompts = (prompt,) if isinstance(prompt, str) else prompt
    if not isinstance(prompts, list | tuple) or not prompts or not all(isinstance(p, str) and p for p in prompts):
        raise InvalidRequest(
            "Invalid 'prompt': expected a non-empty string or a list of them (token-id prompts are not supported)",
            param="prompt",
        )
    stream = bool(body.get("stream"))
    n = choice_count(body)
    if stream and len(prompts) * n > MAX_CHOICES:
        # Each streamed choice is a TGI stream held open until the call ends.
        raise InvalidRequest(
            f"Invalid 'prompt': a stream of {len(prompts)} prompts x n={n} would hold {len(prompts) * n} TGI streams"
            f" open; at most {MAX_CHOICES} (fewer prompts per call, or no stream)",
            param="prompt",
        )
    logprobs = integer(body, "logprobs", 0)
    stops = tuple(dict.fromkeys(stop_strings(body)))
    parameters = generation_parameters({"max_tokens": DEFAULT_MAX_TOKENS, **body}, stops)
    if logprobs:
        parameters["top_n_tokens"] = logprobs  # TGI caps it at /info's max_top_n_tokens (5 by default)
    return CompletionPlan(
        model=model,
        prompts=tuple(prompts),
        parameters=parameters,
        stops=stops,
        stream=stream,
        include_usage=include_usage(body, stream),
        n=n,
        echo=bool(body.get("echo")),
        logprobs=logprobs,
    )


class CompletionStreamTranslator(StreamTranslator):
    def __init__(self, plan: CompletionPlan, meta: CompletionMeta, index: int = 0) -> None:
        super().__init__(plan.stops, include_usage=plan.include_usage, strip_first_space=False)
        header = {"id": meta.id, "object": "text_completion", "created": meta.created, "model": meta.model}
        if meta.system_fingerprint is not None:
            header["system_fingerprint"] = meta.system_fingerprint
        self._head = b"data: " + encode(header)[:-1].encode()
        self._tail = b',"usage":null}\n\n' if plan.include_usage else b"}\n\n"
        self._echo = plan.prompts[index // plan.n] if plan.echo else ""
        self._index = b'{"index":%d,"text":' % index

    def _choice(self, text: str, reason: str | None) -> bytes:
        finish = b"null" if reason is None else b'"' + reason.encode() + b'"'
        choice = self._index + encode(text).encode() + b',"logprobs":null,"finish_reason":' + finish + b"}"
        return self._head + b',"choices":[' + choice + b"]" + self._tail

    def _start_chunk(self) -> bytes | None:
        return self._choice(self._echo, None) if self._echo else None

    def _text_chunk(self, text: str) -> bytes:
        return self._choice(text, None)

    def _finish_chunk(self, reason: str) -> bytes:
        return self._choice("", reason)

    def _usage_chunk(self, counts: dict[str, int]) -> bytes:
        return self._head + b',"choices":[],"usage":' + encode(counts).encode() + b"}\n\n"

"""POST /v1/completions as vLLM's ``OpenAIServingCompletion`` answers it, plain or streamed.

A prompt list is several prompts; each gets ``n`` choices, numbered ``prompt * n + choice``.
``max_tokens`` defaults to 16 (null too), prompts are tokenized with the BOS, ``echo`` puts the
prompt in front of the text, and streams carry no role chunk.
"""

from __future__ import annotations

from typing import Any

from ..loopback import EventStream, Response, compact_json, json_response
from ._engine import Output
from ._errors import ServingError, VLLMValidationError, error_response
from ._requests import CompletionRequest, read_completion
from ._sampling import Sampling, check_output_budget, check_prompt_length, max_tokens_for, sampling_params
from ._serving import Prompt, Serving, model_dump, prompts_of, usage

__all__ = ["CompletionsRoute"]

# The response models of a plain answer, their fields in vLLM's order.
_COMPLETION = (
    "id", "object", "created", "model", "choices", "service_tier", "system_fingerprint", "usage",
    "kv_transfer_params", "ec_transfer_params", "metrics",
)  # fmt: skip
_CHOICE = (
    "index", "text", "logprobs", "finish_reason", "stop_reason", "token_ids", "prompt_logprobs", "prompt_token_ids",
    "routed_experts", "weight_versions",
)  # fmt: skip


class CompletionsRoute(Serving):
    def create(self, headers: dict[str, str], body: bytes) -> Response | EventStream:
        request = read_completion(headers, body)
        if request.stream and request.use_beam_search:
            raise ServingError(error_response(400, "Streaming is not currently supported with beam search"))
        self.check_model(request.model)
        if request.suffix is not None:
            # The fake model has no fill-in-the-middle rendering.
            message = "Echo is unsupported with suffix." if request.echo else None
            message = message or "suffix is only supported for models with FIM completion rendering"
            raise ServingError(error_response(400, message, param="suffix"))
        max_model_len = self.settings.max_model_len
        check_output_budget(request.max_tokens, "max_tokens", max_model_len)
        if request.prompt is None:  # only prompt_embeds, which need --enable-prompt-embeds
            message = "You must set `--enable-prompt-embeds` to input `prompt_embeds`."
            raise VLLMValidationError(message, parameter="prompt_embeds")
        prompts = prompts_of(request.prompt, self.engine.tokenizer, add_special_tokens=request.add_special_tokens)
        for prompt in prompts:
            check_prompt_length(prompt.tokens, max_model_len)
        runs = [(prompt, self._sampling(request, prompt)) for prompt in prompts]
        results = [self.engine.generate(p.text, sampling, request.body) for p, sampling in runs]
        envelope = self.envelope("cmpl", "text_completion", headers, request.request_id)
        prompt_tokens = sum(prompt.tokens for prompt in prompts)
        completion_tokens = sum(output.token_count for outputs in results for output in outputs)
        if request.stream:
            return self._stream(request, envelope, prompts, results, (prompt_tokens, completion_tokens))
        choices: list[dict[str, Any]] = []
        for prompt, outputs in zip(prompts, results, strict=True):
            for output in outputs:
                text = prompt.text + output.text if request.echo else output.text
                choice = {"text": text, "finish_reason": output.finish_reason, "stop_reason": output.stop_reason}
                choices.append(model_dump(_CHOICE, index=len(choices), **choice))
        completion = model_dump(
            _COMPLETION,
            **envelope,
            choices=choices,
            system_fingerprint=self.settings.system_fingerprint,
            usage=usage(prompt_tokens, completion_tokens),
        )
        return json_response(200, completion)

    def _sampling(self, request: CompletionRequest, prompt: Prompt) -> Sampling:
        max_tokens = max_tokens_for(self.settings.max_model_len, request.max_tokens, prompt.tokens)
        return sampling_params(request, max_tokens=max_tokens, logprobs=request.logprobs)

    def _stream(
        self,
        request: CompletionRequest,
        envelope: dict[str, Any],
        prompts: list[Prompt],
        results: list[list[Output]],
        totals: tuple[int, int],
    ) -> EventStream:
        include_usage = request.include_usage
        options = request.stream_options or {}
        continuous = include_usage and bool(options.get("continuous_usage_stats"))
        fingerprint = self.settings.system_fingerprint
        n = len(results[0]) if results else 0
        events = []
        steps = max((len(output.deltas) for outputs in results for output in outputs), default=0)
        for step in range(steps):
            for number, (prompt, outputs) in enumerate(zip(prompts, results, strict=True)):
                for index, output in enumerate(outputs):
                    if step >= len(output.deltas):
                        continue
                    last = step == len(output.deltas) - 1
                    text = output.deltas[step]
                    if step == 0 and request.echo:
                        text = prompt.text + text
                    choice = {
                        "index": number * n + index,
                        "text": text,
                        "logprobs": None,
                        "finish_reason": output.finish_reason if last else None,
                        "stop_reason": output.stop_reason if last else None,
                        "prompt_token_ids": None,
                        "token_ids": None,
                        "weight_versions": None,
                    }
                    chunk: dict[str, Any] = {**envelope, "choices": [choice]}
                    if continuous:
                        chunk["usage"] = usage(prompt.tokens, step + 1, ())
                    if last and not include_usage:
                        chunk["system_fingerprint"] = fingerprint
                    events.append(compact_json({**chunk, "kv_transfer_params": None}))
        return self.stream(envelope, events, usage(*totals, ()) if include_usage else None)

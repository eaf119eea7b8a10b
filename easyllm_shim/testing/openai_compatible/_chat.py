"""POST /v1/chat/completions as vLLM's ``OpenAIServingChat`` answers it, plain or streamed.

The prompt is the conversation rendered with the project's chat formats (``easyllm_shim._prompts``,
as the TGI stand-in renders it), tokenized without special tokens (the template writes them). The
checks come in vLLM's order: the model, tool choice (no tool parser is configured, as by default),
a request-supplied chat template, the output budget, the template, the prompt length, then the
sampling parameters. Plain answers are ``model_dump()`` of vLLM's response (every field, nulls
included); stream chunks are ``model_dump_json(exclude_unset=True)``, so each chunk carries exactly
the fields vLLM sets on it.
"""

from __future__ import annotations

from typing import Any

from ..loopback import EventStream, Response, compact_json, json_response
from ._engine import Output
from ._errors import ServingError, error_response
from ._requests import ChatRequest, read_chat
from ._sampling import check_output_budget, check_prompt_length, max_tokens_for, sampling_params
from ._serving import Serving, model_dump, usage

__all__ = ["ChatRoute", "schema_of"]

_ROLE = "assistant"
# The response models of a plain answer, their fields in vLLM's order.
_COMPLETION = (
    "id", "object", "created", "model", "choices", "service_tier", "system_fingerprint", "usage",
    "prompt_logprobs", "prompt_token_ids", "prompt_text", "kv_transfer_params", "ec_transfer_params", "metrics",
)  # fmt: skip
_CHOICE = (
    "index", "message", "logprobs", "finish_reason", "stop_reason", "token_ids", "routed_experts", "weight_versions",
)  # fmt: skip
_MESSAGE = ("role", "content", "refusal", "annotations", "audio", "function_call", "reasoning")
# A chunk's running usage (continuous_usage_stats) sets this detail field, as null.
_RUNNING_DETAILS = ("completion_tokens_details",)
_UNTRUSTED_TEMPLATE = (
    "Chat template is passed with request, but --trust-request-chat-template is not set. "
    "Refused request with untrusted chat template."
)


def schema_of(response_format: Any) -> dict[str, Any] | None:
    """The JSON schema a ``response_format`` asks for (``json_object`` is any object), else None."""
    if not isinstance(response_format, dict):
        return None
    if response_format.get("type") == "json_object":
        return {"type": "object"}
    spec = response_format.get("json_schema")
    if response_format.get("type") == "json_schema" and isinstance(spec, dict):
        schema = spec.get("schema")
        return schema if isinstance(schema, dict) else {"type": "object"}
    return None


def _tool_choice_error(request: ChatRequest) -> str | None:
    """Without ``--tool-call-parser`` only ``tool_choice: "none"`` is served."""
    choice = request.tool_choice
    if choice in (None, "none"):
        return None
    if choice == "auto":
        return '"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set'
    described = f'function "{choice["function"]["name"]}"' if isinstance(choice, dict) else f'"{choice}"'
    return f"tool_choice={described} requires --tool-call-parser to be set"


class ChatRoute(Serving):
    def create(self, headers: dict[str, str], body: bytes) -> Response | EventStream:
        request = read_chat(headers, body)
        self.check_model(request.model)
        refusal = _tool_choice_error(request)
        if refusal is None and request.chat_template is not None:
            refusal = _UNTRUSTED_TEMPLATE
        if refusal is not None:
            raise ServingError(error_response(400, refusal))
        max_model_len = self.settings.max_model_len
        requested: int | None = request.max_completion_tokens
        parameter = "max_completion_tokens"
        if requested is None:
            requested, parameter = request.max_tokens, "max_tokens"
        check_output_budget(requested, parameter, max_model_len)
        from easyllm_shim._prompts import resolve_format  # another package; loaded when first used

        prompt = resolve_format(self.settings.model_id, neutralize_markers=False).render(request.messages)
        tokenizer = self.engine.tokenizer
        prompt_tokens = len(tokenizer.encode(prompt, add_special_tokens=request.add_special_tokens))
        check_prompt_length(prompt_tokens, max_model_len)
        max_tokens = max_tokens_for(max_model_len, requested, prompt_tokens)
        logprobs = request.top_logprobs if request.logprobs else None
        sampling = sampling_params(request, max_tokens=max_tokens, logprobs=logprobs)
        schema = schema_of(request.response_format)
        outputs = self.engine.generate(prompt, sampling, request.body, schema)
        kind = "chat.completion.chunk" if request.stream else "chat.completion"
        envelope = self.envelope("chatcmpl", kind, headers, request.request_id)
        if request.stream:
            return self._stream(request, envelope, outputs, prompt_tokens)
        return json_response(200, self._completion(envelope, outputs, prompt_tokens))

    def _completion(self, envelope: dict[str, Any], outputs: list[Output], prompt_tokens: int) -> dict[str, Any]:
        choices = [
            model_dump(
                _CHOICE,
                index=index,
                message=model_dump(_MESSAGE, role=_ROLE, content=output.text),
                finish_reason=output.finish_reason,
                stop_reason=output.stop_reason,
            )
            for index, output in enumerate(outputs)
        ]
        return model_dump(
            _COMPLETION,
            **envelope,
            choices=choices,
            system_fingerprint=self.settings.system_fingerprint,
            usage=usage(prompt_tokens, sum(output.token_count for output in outputs)),
        )

    def _stream(
        self, request: ChatRequest, envelope: dict[str, Any], outputs: list[Output], prompt_tokens: int
    ) -> EventStream:
        include_usage = request.include_usage
        options = request.stream_options or {}
        # continuous_usage_stats: the usage so far on every chunk.
        running = prompt_tokens if include_usage and options.get("continuous_usage_stats") else None
        events = []
        for index in range(len(outputs)):
            choice = {"index": index, "delta": {"role": _ROLE, "content": ""}, "logprobs": None, "finish_reason": None}
            chunk: dict[str, Any] = {**envelope, "choices": [choice]}
            if running is not None:
                chunk["usage"] = usage(running, 0, _RUNNING_DETAILS)
            events.append(compact_json({**chunk, "prompt_token_ids": None, "prompt_text": None}))
        # The engine steps all sequences together: one token of each per step.
        for step in range(max(len(output.deltas) for output in outputs)):
            for index, output in enumerate(outputs):
                if step < len(output.deltas):
                    events.append(compact_json(self._chunk(envelope, index, output, step, include_usage, running)))
        total = usage(prompt_tokens, sum(output.token_count for output in outputs), ()) if include_usage else None
        return self.stream(envelope, events, total)

    def _chunk(
        self, envelope: dict[str, Any], index: int, output: Output, step: int, include_usage: bool, running: int | None
    ) -> dict[str, Any]:
        last = step == len(output.deltas) - 1
        choice: dict[str, Any] = {"index": index, "delta": {"content": output.deltas[step]}, "logprobs": None}
        if last:
            choice.update(finish_reason=output.finish_reason, stop_reason=output.stop_reason)
            choice.update(token_ids=None, weight_versions=None)
        else:
            choice.update(finish_reason=None, token_ids=None)
        chunk: dict[str, Any] = {**envelope, "choices": [choice]}
        if running is not None:
            chunk["usage"] = usage(running, step + 1, _RUNNING_DETAILS)
        if last and not include_usage:
            chunk["system_fingerprint"] = self.settings.system_fingerprint
        chunk["kv_transfer_params"] = None
        return chunk

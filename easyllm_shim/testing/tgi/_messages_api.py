"""TGI's Messages API: POST /v1/chat/completions, mapped onto the native generation as TGI maps it.

The prompt is rendered with the project's own chat formats (``easyllm_shim._prompts``), which
reproduce the models' chat templates; the mapping of OpenAI parameters follows TGI's
``ChatRequest::try_into_generate`` (temperature 0 is greedy, presence_penalty + 2 is the repetition
penalty, top_logprobs is top_n_tokens, ...).
"""

from __future__ import annotations

import time
from typing import Any

from ..fake_model import Token
from ..loopback import EventStream, Response, compact_json, json_response
from ._errors import error_response
from ._infer import Infer, Inference
from ._requests import ChatRequest, GenerateParameters, read_chat_request
from ._routes import generation_headers, stream_headers, validation_error
from ._settings import Settings
from ._validation import ValidationError

__all__ = ["MessagesAPI"]

# FinishReason::format(true): only EOS is renamed; a stop sequence stays "stop_sequence".
_FINISH_REASONS = {"eos_token": "stop", "length": "length", "stop_sequence": "stop_sequence"}
DONE = "[DONE]"


def _openai_error_events(message: str, error_type: str) -> tuple[str, ...]:
    # InferError::into_openai_event: the status is always 422, whatever the cause.
    del error_type
    return compact_json({"error": {"message": message, "http_status_code": 422}}), DONE


def _flatten(message: dict[str, Any]) -> dict[str, Any]:
    """Text parts joined, image parts as TGI writes them into the prompt (``![](url)``)."""
    content = message.get("content")
    if not isinstance(content, list):
        return message
    text = "".join(c["text"] if c["type"] == "text" else f"![]({c['image_url']['url']})" for c in content)
    return {**message, "content": text}


def _logprobs(tokens: tuple[Token, ...], top_tokens: tuple[tuple[Token, ...], ...]) -> dict[str, Any]:
    return {
        "content": [
            {
                "token": token.text,
                "logprob": token.logprob,
                "top_logprobs": [{"token": t.text, "logprob": t.logprob} for t in top],
            }
            for token, top in zip(tokens, top_tokens, strict=True)
        ]
    }


class MessagesAPI:
    """POST /v1/chat/completions."""

    def __init__(self, settings: Settings, infer: Infer) -> None:
        self.settings = settings
        self.infer = infer

    def chat_completions(self, body: bytes) -> Response | EventStream:
        started = time.perf_counter()
        chat = read_chat_request(body)
        if chat.response_format is not None and chat.tools is not None:
            return error_response(422, "Tool error: Grammar and tools are mutually exclusive", "tool_error")
        from easyllm_shim._prompts import PromptError, resolve_format  # another package; loaded when first used

        try:
            chat_format = resolve_format(self.settings.model_id, neutralize_markers=False)
            # TGI renders an empty conversation to an empty prompt, which validation then refuses.
            prompt = chat_format.render([_flatten(m) for m in chat.messages]) if chat.messages else ""
        except PromptError as error:
            return error_response(422, f"Template error: {error}", "template_error")
        parameters = self._parameters(chat)
        model = chat.model if chat.model not in (None, "tgi") else self.settings.model_id
        if chat.stream:
            return self._stream(chat, prompt, parameters, model)
        try:
            inference = self.infer.generate(prompt, parameters, add_special_tokens=False)
        except ValidationError as error:
            return validation_error(error)
        best = inference.best
        choice = {
            "index": 0,
            "message": {"role": "assistant", "content": best.text},
            "logprobs": _logprobs(best.tokens, best.top_tokens) if chat.logprobs else None,
            "finish_reason": _FINISH_REASONS[best.finish_reason],
        }
        completion = {"object": "chat.completion", **self._envelope(model), "choices": [choice]}
        completion["usage"] = self._usage(inference)
        return json_response(200, completion, generation_headers(inference, started, len(prompt)))

    @staticmethod
    def _parameters(chat: ChatRequest) -> GenerateParameters:
        greedy = chat.temperature == 0.0
        return GenerateParameters(
            temperature=None if greedy else chat.temperature,
            repetition_penalty=None if chat.presence_penalty is None else chat.presence_penalty + 2.0,
            frequency_penalty=chat.frequency_penalty,
            top_p=chat.top_p,
            # Chat samples unless temperature is exactly 0, even when no temperature is given.
            do_sample=not greedy,
            max_new_tokens=chat.max_tokens,
            stop=tuple(chat.stop or ()),
            details=True,
            decoder_input_details=not chat.stream,
            seed=chat.seed,
            top_n_tokens=chat.top_logprobs,
            grammar=chat.response_format,
            adapter_id=chat.model if chat.model != "tgi" else None,
        )

    def _envelope(self, model: str) -> dict[str, Any]:
        return {
            "id": "",
            "created": int(time.time()),
            "model": model,
            "system_fingerprint": self.settings.system_fingerprint,
        }

    @staticmethod
    def _usage(inference: Inference) -> dict[str, int]:
        prompt_tokens = inference.request.input_length
        completion_tokens = len(inference.best.tokens)
        return {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        }

    def _stream(self, chat: ChatRequest, prompt: str, parameters: GenerateParameters, model: str) -> EventStream:
        headers = stream_headers(len(prompt))
        try:
            inference = self.infer.generate_stream(prompt, parameters, add_special_tokens=False)
        except ValidationError as error:
            # Validation runs inside the stream, so it arrives as an OpenAI-style error event.
            refusal = _openai_error_events(f"Input validation error: {error}", "validation")
            return EventStream(refusal, 2, headers, _openai_error_events)
        best = inference.best
        last = len(best.tokens) - 1
        events = []
        for index, token in enumerate(best.tokens):
            choice = {
                "index": 0,
                # Every delta repeats the role; a special token (EOS) is sent as empty content.
                "delta": {"role": "assistant", "content": "" if token.special else token.text},
                "logprobs": _logprobs((token,), (best.top_tokens[index],)) if chat.logprobs else None,
                "finish_reason": _FINISH_REASONS[best.finish_reason] if index == last else None,
            }
            chunk = {"object": "chat.completion.chunk", **self._envelope(model), "choices": [choice], "usage": None}
            events.append(compact_json(chunk))
        if chat.include_usage:
            usage = {"object": "chat.completion.chunk", **self._envelope(model), "choices": []}
            events.append(compact_json({**usage, "usage": self._usage(inference)}))
        events.append(DONE)
        ending = 3 if chat.include_usage else 2
        return EventStream(tuple(events), ending, headers, _openai_error_events)

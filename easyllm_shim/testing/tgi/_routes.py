"""TGI's native routes: /generate, /generate_stream, the compat route /, /tokenize, /info and /health.

Handlers take the raw body and return a ``Response`` or an ``EventStream``; they never touch sockets.
A body that axum's ``Json`` extractor would reject raises ``JsonError``, which ``App`` answers.
"""

from __future__ import annotations

import time
from typing import Any

from ..fake_model import Generation, Token
from ..loopback import EventStream, Response, compact_json, json_response
from ._errors import error_event, error_response
from ._infer import Infer, Inference
from ._requests import GenerateRequest, read_generate_request
from ._settings import COMPUTE_TYPE, Settings
from ._validation import ValidationError

__all__ = ["NativeRoutes", "generation_headers", "stream_headers", "validation_error"]


def validation_error(error: ValidationError) -> Response:
    return error_response(422, f"Input validation error: {error}", "validation")


def _rust_seconds(seconds: float) -> str:
    """A duration in seconds as Rust's f64 Display writes it (never in exponent form)."""
    text = f"{seconds:.9f}".rstrip("0")
    return text + "0" if text.endswith(".") else text


def generation_headers(inference: Inference, started: float, characters: int) -> tuple[tuple[str, str], ...]:
    """/generate's timing and token headers (milliseconds, except x-compute-time in seconds)."""
    total = time.perf_counter() - started
    generated = len(inference.best.tokens)
    total_ms = int(total * 1000)
    return (
        ("x-compute-type", COMPUTE_TYPE),
        ("x-compute-time", _rust_seconds(total)),
        ("x-compute-characters", str(characters)),
        ("x-total-time", str(total_ms)),
        ("x-validation-time", "0"),
        ("x-queue-time", "0"),
        ("x-inference-time", str(total_ms)),
        ("x-time-per-token", str(total_ms // generated)),
        ("x-prompt-tokens", str(inference.request.input_length)),
        ("x-generated-tokens", str(generated)),
    )


def stream_headers(characters: int) -> tuple[tuple[str, str], ...]:
    return (
        ("content-type", "text/event-stream"),
        ("cache-control", "no-cache"),
        ("x-compute-type", COMPUTE_TYPE),
        ("x-compute-characters", str(characters)),
        ("x-accel-buffering", "no"),
    )


def _tokens(tokens: tuple[Token, ...]) -> list[dict[str, Any]]:
    return [token.as_dict() for token in tokens]


class NativeRoutes:
    """The text-generation routes of TGI's router."""

    def __init__(self, settings: Settings, infer: Infer) -> None:
        self.settings = settings
        self.infer = infer

    def generate(self, body: bytes) -> Response:
        return self._generate(read_generate_request(body), full_text_default=False)

    def generate_stream(self, body: bytes) -> Response | EventStream:
        return self._generate_stream(read_generate_request(body), full_text_default=False)

    def compat(self, body: bytes) -> Response | EventStream:
        """POST /: ``stream`` switches the answer; a plain answer is a one-element list (api-inference's
        shape), and ``return_full_text`` null means true because the model is a text-generation model."""
        request = read_generate_request(body, compat=True)
        if request.stream:
            return self._generate_stream(request, full_text_default=True)
        response = self._generate(request, full_text_default=True)
        if response.status != 200:
            return response
        return Response(200, b"[" + response.body + b"]", response.headers)

    def tokenize(self, body: bytes) -> Response:
        request = read_generate_request(body)
        pieces = self.infer.tokenizer.encode(request.inputs, add_special_tokens=True)
        return json_response(200, [{"id": p.id, "text": p.text, "start": p.start, "stop": p.stop} for p in pieces])

    def info(self) -> Response:
        return json_response(200, self.settings.info())

    @staticmethod
    def health(healthy: bool) -> Response:
        return Response(200) if healthy else error_response(503, "unhealthy", "healthcheck")

    # -- /generate -----------------------------------------------------------------------------------
    def _generate(self, request: GenerateRequest, *, full_text_default: bool) -> Response:
        started = time.perf_counter()
        parameters = request.parameters
        full_text = parameters.return_full_text if parameters.return_full_text is not None else full_text_default
        try:
            inference = self.infer.generate(request.inputs, parameters)
        except ValidationError as error:
            return validation_error(error)
        prompt = request.inputs if full_text else ""
        body: dict[str, Any] = {"generated_text": prompt + inference.best.text}
        if parameters.details or parameters.decoder_input_details:
            body["details"] = self._details(inference, prompt)
        headers = generation_headers(inference, started, len(request.inputs))
        return json_response(200, body, headers)

    @staticmethod
    def _details(inference: Inference, prompt: str) -> dict[str, Any]:
        best = inference.best
        details: dict[str, Any] = {
            "finish_reason": best.finish_reason,
            "generated_tokens": len(best.tokens),
            "seed": best.seed,
            "prefill": [],  # TGI >= 3 flash models: prefill logprobs are off by default
            "tokens": _tokens(best.tokens),
        }
        if inference.request.top_n_tokens:
            details["top_tokens"] = [_tokens(top) for top in best.top_tokens]
        if inference.others:
            details["best_of_sequences"] = [_best_of_sequence(other, prompt) for other in inference.others]
        return details

    # -- /generate_stream ----------------------------------------------------------------------------
    def _generate_stream(self, request: GenerateRequest, *, full_text_default: bool) -> EventStream:
        parameters = request.parameters
        full_text = parameters.return_full_text if parameters.return_full_text is not None else full_text_default
        headers = stream_headers(len(request.inputs))
        try:
            inference = self.infer.generate_stream(request.inputs, parameters)
        except ValidationError as error:
            # Validation runs inside TGI's stream, so the error is an event of a 200 response.
            return EventStream(error_event(f"Input validation error: {error}", "validation"), 1, headers, error_event)
        prompt = request.inputs if full_text else ""
        events = _token_events(inference, prompt, details=parameters.details)
        return EventStream(events, 1, headers, error_event)


def _token_events(inference: Inference, prompt: str, *, details: bool) -> tuple[str, ...]:
    """One StreamResponse per token; the last carries generated_text (and details when asked)."""
    best = inference.best
    last = len(best.tokens) - 1
    events = []
    for index, token in enumerate(best.tokens):
        event: dict[str, Any] = {"index": index + 1, "token": token.as_dict()}
        if inference.request.top_n_tokens:
            event["top_tokens"] = _tokens(best.top_tokens[index])
        event["generated_text"] = prompt + best.text if index == last else None
        event["details"] = _stream_details(inference) if index == last and details else None
        events.append(compact_json(event))
    return tuple(events)


def _stream_details(inference: Inference) -> dict[str, Any]:
    best = inference.best
    return {
        "finish_reason": best.finish_reason,
        "generated_tokens": len(best.tokens),
        "seed": best.seed,
        "input_length": inference.request.input_length,
    }


def _best_of_sequence(generation: Generation, prompt: str) -> dict[str, Any]:
    return {
        "generated_text": prompt + generation.text,
        "finish_reason": generation.finish_reason,
        "generated_tokens": len(generation.tokens),
        "seed": generation.seed,
        "prefill": [],
        "tokens": _tokens(generation.tokens),
        "top_tokens": [_tokens(top) for top in generation.top_tokens if top],
    }

"""The openai 0.28 boundary: its objects and exceptions, built by 0.28's own code from OpenAI-format bytes.

mypy runs against openai >= 1, which has none of these modules, so everything from 0.28 is `Any`.
"""

from __future__ import annotations

import functools
import importlib
from dataclasses import dataclass
from typing import Any, NoReturn

from .._upstream.steps import Headers, Reply

# Statuses 0.28's error table predates. TGI refuses invalid parameters with 422 where OpenAI
# answered 400, so they are classified as 400 is (InvalidRequestError); `http_status` stays 422.
_CLASSIFIED_AS = {422: 400}
# The requestor below parses and classifies only; it never sends, so this key goes nowhere.
_PLACEHOLDER_KEY = "easyllm-shim-routes-to-tgi"


def load(name: str) -> Any:
    """A module of 0.28's stack (openai, requests, aiohttp); `Any` to mypy, which sees openai >= 1 and no aiohttp."""
    return importlib.import_module(name)


def sdk() -> Any:
    """The installed `openai` package (0.28)."""
    return load("openai")


@functools.cache
def _requestor() -> Any:
    # 0.28's response parsing and error table are methods of APIRequestor, whose constructor
    # demands an OpenAI key; a routed call must work without one.
    api_requestor = sdk().api_requestor
    return api_requestor.APIRequestor(key=_PLACEHOLDER_KEY, api_base="http://unused.invalid", api_type="open_ai")


def server_failed(error: Exception) -> bool:
    """What openai >= 1's `server_failed` names, in 0.28's classes: connection errors,
    timeouts, 429 and 5xx. A fallback re-issues such a call; any other error is the request's own."""
    errors = sdk().error
    if isinstance(error, errors.APIConnectionError | errors.Timeout | errors.RateLimitError):
        return True
    return isinstance(error, errors.OpenAIError) and (error.http_status or 0) >= 500


def response_headers(raw: Headers) -> Any:
    """Headers as 0.28 reads them (case-insensitive), with TGI's total time as OpenAI's processing time."""
    pairs = [(name.decode("latin-1"), value.decode("latin-1")) for name, value in raw]
    headers = load("requests.structures").CaseInsensitiveDict(pairs)
    # `response_ms` on 0.28 objects comes from OpenAI's processing time; TGI's x-total-time is the same measure.
    if "openai-processing-ms" not in headers and "x-total-time" in headers:
        headers["openai-processing-ms"] = headers["x-total-time"]
    return headers


@dataclass(frozen=True)
class Shaper:
    """Builds what a 0.28 `ChatCompletion.create` returns or raises. 0.28 stamps every object with these."""

    api_key: str | None
    api_version: str | None
    organization: str | None
    engine: str | None

    def completion(self, reply: Reply) -> Any:
        """The `OpenAIObject` for an OpenAI-format answer; its error status raises the matching `openai.error`."""
        return self._object(_interpret(reply.content.decode("utf-8"), reply.status, response_headers(reply.headers)))

    def chunk(self, frame: bytes, headers: Any) -> Any:
        """One stream chunk from a `data:` payload; an error event raises, as 0.28 raises it mid-stream."""
        return self._object(_interpret(frame.decode("utf-8"), 200, headers, stream=True))

    def fail(self, reply: Reply) -> NoReturn:
        self.completion(reply)
        raise AssertionError(f"HTTP {reply.status} is not an error status")  # callers pass error replies only

    def _object(self, response: Any) -> Any:
        return sdk().util.convert_to_openai_object(
            response, self.api_key, self.api_version, self.organization, engine=self.engine, plain_old_data=False
        )


def _interpret(body: str, status: int, headers: Any, *, stream: bool = False) -> Any:
    """0.28's own reading of one answer: an `OpenAIResponse`, or the exception its table gives the status."""
    try:
        return _requestor()._interpret_response_line(body, _CLASSIFIED_AS.get(status, status), headers, stream)
    except sdk().error.OpenAIError as error:
        error.http_status = status  # the status that was really received
        raise

"""A TGI server that misbehaves: each fault ends in the right openai exception or in a retry that succeeds.

Never a silently truncated answer. Every scenario runs on the sync and the async client (the `sdk`
side), streamed and not where the fault exists for both; stream faults exist only for streams.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import openai
import pytest

import easyllm_shim
from easyllm_shim.testing import TGIServer

from ..conftest import HF_TOKEN, LLAMA
from ..openai_standin import OpenAIStandIn
from ..sdk import SDK

REPLY = "Hello there! How are you today?"
MESSAGES = [{"role": "user", "content": "Hi"}]
OVERLOADED = {"error": "Model is overloaded", "error_type": "overloaded"}
GENERATION_PATHS = ("/generate", "/generate_stream")
STREAMED, NOT_STREAMED = "streamed", "not streamed"


@dataclass(frozen=True)
class Fault:
    inject: Callable[[TGIServer], None]
    modes: tuple[str, ...]  # STREAMED and/or NOT_STREAMED
    max_retries: int = 0
    timeout: float = 5.0


def _malformed_body(server: TGIServer) -> None:
    server.fail_next(200, b"{not json", headers={"content-type": "application/json"}, path="/generate")


def _shapeless_body(server: TGIServer) -> None:
    server.fail_next(200, {"details": None}, path="/generate")


BOTH = (STREAMED, NOT_STREAMED)
# The SDK's own retry rules decide: a small `retry-after-ms` keeps the 429 retry fast; the 503 carries
# `estimated_time`, which the shim turns into `retry-after` in whole seconds, so that retry waits 1 s.
RETRIED = {
    "429 then 200": Fault(lambda s: s.fail_next(429, OVERLOADED, headers={"retry-after-ms": "10"}), BOTH, 1),
    "503 loading then 200": Fault(lambda s: s.loading_next(estimated_time=0.01), BOTH, 1),
    "cut before the first token, then 200": Fault(lambda s: s.cut_next_stream(after_events=0), (STREAMED,), 1),
}
RAISED: dict[str, tuple[Fault, type[openai.OpenAIError]]] = {
    "cut mid-stream": (Fault(lambda s: s.cut_next_stream(after_events=2), (STREAMED,)), openai.APIConnectionError),
    "malformed SSE line": (Fault(lambda s: s.malformed_next_stream(after_events=1), (STREAMED,)), openai.APIError),
    "malformed /generate body": (Fault(_malformed_body, (NOT_STREAMED,)), openai.APIError),
    "/generate answer without generated_text": (Fault(_shapeless_body, (NOT_STREAMED,)), openai.APIError),
    "stall past the timeout": (Fault(lambda s: s.stall_next(2.0), BOTH, timeout=0.3), openai.APITimeoutError),
    "stall mid-stream": (
        Fault(lambda s: s.stall_next(2.0, after_events=2), (STREAMED,), timeout=0.3),
        openai.APITimeoutError,
    ),
}
# Library bugs these tests found, pinned as strict xfails until fixed (none open).
KNOWN_BUGS: dict[str, pytest.MarkDecorator] = {}


def _cases(table: dict[str, Fault] | dict[str, tuple[Fault, type[openai.OpenAIError]]]) -> list[object]:
    cases: list[object] = []
    for name, entry in table.items():
        fault = entry[0] if isinstance(entry, tuple) else entry
        marks = [KNOWN_BUGS[name]] if name in KNOWN_BUGS else []
        for mode in fault.modes:
            cases.append(pytest.param(entry, mode == STREAMED, id=f"{name}, {mode}", marks=marks))
    return cases


def answer(sdk: SDK, streamed: bool) -> str:
    if streamed:
        chunks = sdk.stream(model=LLAMA, messages=MESSAGES).chunks
        return "".join(chunk.choices[0].delta.content or "" for chunk in chunks if chunk.choices)
    content: str = sdk.create(model=LLAMA, messages=MESSAGES).choices[0].message.content
    return content


@pytest.fixture
def faulty(tgi_server: TGIServer, openai_api: OpenAIStandIn) -> Iterator[TGIServer]:
    tgi_server.reply = REPLY
    easyllm_shim.patch(api_base=tgi_server.url, token=HF_TOKEN)
    yield tgi_server
    assert openai_api.requests == []  # nothing leaked to the caller's OpenAI base URL


def generation_requests(server: TGIServer) -> int:
    return len([request for request in server.requests if request.path in GENERATION_PATHS])


@pytest.mark.parametrize(("fault", "streamed"), _cases(RETRIED))
def test_a_retryable_fault_is_retried_by_the_sdk_and_the_whole_answer_arrives(
    faulty: TGIServer, openai_api: OpenAIStandIn, asynchronous: bool, fault: Fault, streamed: bool
) -> None:
    fault.inject(faulty)
    sdk = SDK(asynchronous, openai_api.url, max_retries=fault.max_retries, timeout=fault.timeout)

    assert answer(sdk, streamed) == REPLY
    sdk.close()
    assert generation_requests(faulty) == 2


@pytest.mark.parametrize(("expected", "streamed"), _cases(RAISED))
def test_a_fault_raises_the_right_openai_exception_never_a_truncated_answer(
    faulty: TGIServer,
    openai_api: OpenAIStandIn,
    asynchronous: bool,
    expected: tuple[Fault, type[openai.OpenAIError]],
    streamed: bool,
) -> None:
    fault, exception = expected
    fault.inject(faulty)
    sdk = SDK(asynchronous, openai_api.url, max_retries=fault.max_retries, timeout=fault.timeout)

    with pytest.raises(exception):
        answer(sdk, streamed)
    sdk.close()
    assert generation_requests(faulty) == 1

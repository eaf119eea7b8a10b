"""Servers that answer what no TGI answers, over raw sockets: each call ends in a correct answer or in an
openai exception, raised once (a malformed answer is not retried, nor fallen back from as a failure).

Every scenario runs on the sync and the async client; the openai 0.28 ones are in tests/legacy.
"""

from __future__ import annotations

import gzip
import json
import socket
from collections.abc import Iterator
from typing import Any

import openai
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import easyllm_shim

from ..conftest import HF_TOKEN, LLAMA
from ..hostile import HostileServer, chunk, event_stream_head, events, response
from ..openai_standin import OpenAIStandIn
from ..sdk import SDK

MESSAGES = [{"role": "user", "content": "Hi"}]
GENERATION = ("/generate", "/generate_stream")


def token(text: str, index: int = 1) -> dict[str, Any]:
    return {"index": index, "token": {"id": index, "text": text, "logprob": -0.5, "special": False}}


def final(text: str, generated_text: str, tokens: int = 2) -> dict[str, Any]:
    details = {"finish_reason": "eos_token", "generated_tokens": tokens, "input_length": 5, "seed": None}
    return {**token(text, tokens), "generated_text": generated_text, "details": details}


def answer_body(text: str = " Hello there", tokens: int = 2, **details: Any) -> dict[str, Any]:
    return {"generated_text": text, "details": {"finish_reason": "length", "generated_tokens": tokens, **details}}


@pytest.fixture
def hostile(openai_api: OpenAIStandIn) -> Iterator[Any]:
    """Start a HostileServer, patch the shim to it, and hand back both."""
    servers: list[HostileServer] = []

    def start(generation: bytes, **options: Any) -> HostileServer:
        server = HostileServer(lambda method, path: generation if path in GENERATION else None, **options)
        servers.append(server.__enter__())
        easyllm_shim.patch(api_base=server.url, token=HF_TOKEN)
        return server

    yield start
    for server in servers:
        server.__exit__()


def client(asynchronous: bool, openai_api: OpenAIStandIn, **options: Any) -> SDK:
    return SDK(asynchronous, openai_api.url, **{"timeout": 10, "max_retries": 0, **options})


def content_of(chunks: list[Any]) -> str:
    return "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)


# -- a complete stream on a connection the server keeps open ------------------------------------
@pytest.mark.parametrize(
    ("keepalive", "keepalives"), [(b"", 0), (chunk(b":\n\n"), 50)], ids=["silent", "keep-alive comments"]
)
@pytest.mark.parametrize(
    "stream",
    [
        events(token(" Hello"), final(" there", "Hello there")),
        events(final(" Hello there", "Hello there", 1)),
    ],
    ids=["token then final event", "final event first"],
)
@pytest.mark.parametrize("include_usage", [False, True], ids=["", "usage"])
def test_a_complete_stream_is_delivered_though_the_server_keeps_the_connection_open(
    hostile: Any,
    openai_api: OpenAIStandIn,
    asynchronous: bool,
    stream: bytes,
    keepalive: bytes,
    keepalives: int,
    include_usage: bool,
) -> None:
    # Nothing waits on the open connection: the 10 s read timeout is there so that a shim that does
    # fails (with APITimeoutError) instead of hanging.
    hostile(event_stream_head() + stream, hold=True, keepalive=keepalive, keepalives=keepalives)
    options = {"stream_options": {"include_usage": True}} if include_usage else {}
    chunks = client(asynchronous, openai_api).stream(model=LLAMA, messages=MESSAGES, **options).chunks
    assert content_of(chunks) == "Hello there"
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"


# -- malformed answers: an APIError, once -------------------------------------------------------
MALFORMED_BODIES = {
    "details a list": answer_body() | {"details": []},
    "finish_reason a list": answer_body(finish_reason=["length"]),
    "generated_tokens text": answer_body(tokens="many"),  # type: ignore[arg-type]
    "generated_tokens 1e400": b'{"generated_text":"hi","details":{"finish_reason":"length","generated_tokens":1e400}}',
    "generated_tokens negative": answer_body(tokens=-3),
    "generated_tokens a float": answer_body(tokens=2.5),  # type: ignore[arg-type]
    "generated_text null": answer_body() | {"generated_text": None},
    "a list of no answer": [],
    "a JSON string": b'"generated_text"',
    "HTML with the three keys": (
        b'<html><pre>"generated_text": "hi", "finish_reason": "length", "generated_tokens": 3</pre></html>'
    ),
    "the keys in a longer document": (
        b'{"generated_text": "hi", "details": {"finish_reason": "length", "generated_tokens": 3}} trailing'
    ),
    "an unknown finish_reason": answer_body(finish_reason="banana"),
}


@pytest.mark.parametrize("body", list(MALFORMED_BODIES.values()), ids=list(MALFORMED_BODIES))
def test_a_malformed_answer_is_an_api_error_raised_once(
    hostile: Any, openai_api: OpenAIStandIn, asynchronous: bool, body: Any
) -> None:
    server = hostile(response(200, body))
    with pytest.raises(openai.APIStatusError) as raised:
        client(asynchronous, openai_api, max_retries=2).create(model=LLAMA, messages=MESSAGES)
    assert raised.value.status_code == 502
    assert [path for _, path in server.requests if path in GENERATION] == ["/generate"]


def test_a_negative_prompt_token_count_is_an_api_error(
    hostile: Any, openai_api: OpenAIStandIn, asynchronous: bool
) -> None:
    hostile(response(200, answer_body(), [("x-prompt-tokens", "-5")]))
    with pytest.raises(openai.APIStatusError, match="x-prompt-tokens"):
        client(asynchronous, openai_api).create(model=LLAMA, messages=MESSAGES)


MALFORMED_EVENTS = {
    "token a number": {"token": 1},
    "token.text null": {"token": {"id": 1, "text": None, "special": False}},
    "token.text a number": {"token": {"id": 1, "text": 7, "special": False}},
    "details a list": final("!", "Hello!") | {"details": []},
    "generated_tokens text": final("!", "Hello!") | {"details": {"finish_reason": "length", "generated_tokens": "x"}},
    "input_length negative": final("!", "Hello!")
    | {"details": {"finish_reason": "length", "generated_tokens": 2, "input_length": -1}},
    "finish_reason a list": final("!", "Hello!") | {"details": {"finish_reason": [], "generated_tokens": 2}},
    "generated_text a number": final("!", "Hello!") | {"generated_text": 3},
}


@pytest.mark.parametrize("where", ["first", "after a token"])
@pytest.mark.parametrize("event", list(MALFORMED_EVENTS.values()), ids=list(MALFORMED_EVENTS))
def test_a_malformed_stream_event_is_an_api_error_raised_once(
    hostile: Any, openai_api: OpenAIStandIn, asynchronous: bool, event: dict[str, Any], where: str
) -> None:
    before = [token(" Hello")] if where != "first" else []
    server = hostile(event_stream_head() + events(*before, event) + b"0\r\n\r\n")
    with pytest.raises(openai.APIError):
        client(asynchronous, openai_api, max_retries=2).stream(
            model=LLAMA, messages=MESSAGES, stream_options={"include_usage": True}
        )
    assert [path for _, path in server.requests if path in GENERATION] == ["/generate_stream"]


# -- only 200 is an answer ----------------------------------------------------------------------
@pytest.mark.parametrize("status", [201, 204, 301, 302, 304, 307])
@pytest.mark.parametrize("stream", [False, True], ids=["", "stream"])
def test_a_status_other_than_200_is_no_answer(
    hostile: Any, openai_api: OpenAIStandIn, asynchronous: bool, status: int, stream: bool
) -> None:
    body = b"" if status in (204, 304) else json.dumps(answer_body()).encode()
    headers = [("location", "http://127.0.0.1:9/elsewhere"), ("content-type", "application/json")]
    server = hostile(response(status, body, headers))
    sdk = client(asynchronous, openai_api, max_retries=2)
    call = sdk.stream if stream else sdk.create
    with pytest.raises(openai.APIStatusError, match=f"HTTP {status}") as raised:
        call(model=LLAMA, messages=MESSAGES)
    assert raised.value.status_code == 502
    assert len([path for _, path in server.requests if path in GENERATION]) == 1


# -- encodings the shim did not ask for, and answers past the caps -------------------------------
@pytest.mark.parametrize("stream", [False, True], ids=["", "stream"])
def test_an_encoded_answer_the_shim_did_not_ask_for_is_refused(
    hostile: Any, openai_api: OpenAIStandIn, asynchronous: bool, stream: bool
) -> None:
    body = gzip.compress(json.dumps(answer_body()).encode())
    server = hostile(response(200, body, [("content-type", "application/json"), ("content-encoding", "gzip")]))
    sdk = client(asynchronous, openai_api, max_retries=2)
    call = sdk.stream if stream else sdk.create
    with pytest.raises(openai.APIStatusError, match="gzip") as raised:
        call(model=LLAMA, messages=MESSAGES)
    assert raised.value.status_code == 502
    assert len([path for _, path in server.requests if path in GENERATION]) == 1


def test_a_body_past_the_cap_is_refused(hostile: Any, openai_api: OpenAIStandIn, asynchronous: bool) -> None:
    from easyllm_shim._upstream.limits import MAX_BODY_BYTES

    text = "x" * MAX_BODY_BYTES
    hostile(response(200, answer_body(text)))
    with pytest.raises(openai.APIStatusError, match="larger than") as raised:
        client(asynchronous, openai_api).create(model=LLAMA, messages=MESSAGES)
    assert raised.value.status_code == 502


@pytest.mark.parametrize("newlines", [b"", b"\n"], ids=["one line", "data lines without a blank line"])
@pytest.mark.parametrize("where", ["first", "after a token"])
def test_an_event_past_the_cap_is_an_api_error(
    hostile: Any, openai_api: OpenAIStandIn, asynchronous: bool, newlines: bytes, where: str
) -> None:
    from easyllm_shim._translate.sse import MAX_EVENT_BYTES

    line = b"data: " + b"x" * 2**16 + newlines
    flood = chunk(line) * (MAX_EVENT_BYTES // len(line) + 2)
    before = events(token(" Hello")) if where != "first" else b""
    hostile(event_stream_head() + before + flood + b"0\r\n\r\n")
    with pytest.raises(openai.APIError, match="larger than"):
        client(asynchronous, openai_api).stream(model=LLAMA, messages=MESSAGES)


# -- fuzz: any answer shape ends in an openai exception or the correct answer --------------------
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
COUNTS = st.integers(min_value=-(2**70), max_value=2**70) | JSON_VALUES
DETAILS = st.fixed_dictionaries(
    {},
    optional={
        "finish_reason": st.sampled_from(["length", "eos_token", "stop_sequence"]) | JSON_VALUES,
        "generated_tokens": COUNTS,
        "input_length": COUNTS,
    },
)
ANSWERS = st.fixed_dictionaries(
    {"generated_text": st.text(max_size=12) | JSON_VALUES}, optional={"details": DETAILS | JSON_VALUES}
)
BODIES = ANSWERS.map(lambda answer: json.dumps(answer).encode()) | JSON_VALUES.map(lambda v: json.dumps(v).encode())
TOKENS = st.fixed_dictionaries(
    {"token": st.fixed_dictionaries({"id": st.integers(0, 9), "text": st.text(max_size=6) | JSON_VALUES}) | JSON_VALUES}
)
EVENTS = st.lists(TOKENS | JSON_VALUES, max_size=3).flatmap(
    lambda before: ANSWERS.map(lambda last: [*before, {"token": {"id": 0, "text": "", "special": True}, **last}])
)
STATUSES = st.sampled_from([200, 200, 200, 201, 302, 500])


@settings(deadline=None, max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(status=STATUSES, body=BODIES)
def test_any_answer_is_an_openai_exception_or_the_answer(
    openai_api: OpenAIStandIn, asynchronous: bool, status: int, body: bytes
) -> None:
    with HostileServer(lambda method, path: response(status, body) if path in GENERATION else None) as server:
        easyllm_shim.patch(api_base=server.url, token=HF_TOKEN)
        try:
            answer = client(asynchronous, openai_api).create(model=LLAMA, messages=MESSAGES)
        except openai.APIError:
            return
    assert answer.choices[0].message.content == json.loads(body)["generated_text"]


@settings(deadline=None, max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(stream=EVENTS)
def test_any_stream_is_an_openai_exception_or_the_answer(
    openai_api: OpenAIStandIn, asynchronous: bool, stream: list[Any]
) -> None:
    wire = event_stream_head() + events(*stream) + b"0\r\n\r\n"
    with HostileServer(lambda method, path: wire if path in GENERATION else None) as server:
        easyllm_shim.patch(api_base=server.url, token=HF_TOKEN)
        try:
            chunks = client(asynchronous, openai_api).stream(model=LLAMA, messages=MESSAGES).chunks
        except openai.APIError:
            return
    # An event without a token object carries no text; a stream the shim accepted has the tokens' text.
    tokens = [event["token"] for event in stream if isinstance(event, dict) and isinstance(event.get("token"), dict)]
    assert content_of(chunks) == "".join(token["text"] for token in tokens if not token.get("special"))


# -- errors name the server and the model --------------------------------------------------------
def test_a_connection_error_names_the_server_and_the_model(openai_api: OpenAIStandIn, asynchronous: bool) -> None:
    # Issue 15: `e.request.url` was the shadow client's placeholder host.
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    easyllm_shim.patch(api_base=f"http://127.0.0.1:{port}", token=HF_TOKEN)
    with pytest.raises(openai.APIConnectionError) as raised:
        client(asynchronous, openai_api).create(model=LLAMA, messages=MESSAGES)
    assert (raised.value.request.url.host, raised.value.request.url.port) == ("127.0.0.1", port)
    assert f"model {LLAMA!r} at http://127.0.0.1:{port}/" in str(raised.value.__cause__)


def test_the_fallback_warning_names_the_server_and_the_model(
    openai_api: OpenAIStandIn, asynchronous: bool, caplog: pytest.LogCaptureFixture
) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    easyllm_shim.patch(api_base=f"http://127.0.0.1:{port}", token=HF_TOKEN, fallback={LLAMA: "gpt-4o-mini"})
    with caplog.at_level("WARNING", logger="easyllm_shim"):
        client(asynchronous, openai_api).create(model=LLAMA, messages=MESSAGES)
    (warning,) = [record.getMessage() for record in caplog.records if "re-issuing" in record.getMessage()]
    assert f"model {LLAMA!r} at http://127.0.0.1:{port}/" in warning

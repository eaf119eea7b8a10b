"""Every validation rule of TGI's router: same order, same message, same status and body shape.

On /generate and / a failure is a 422 JSON ErrorResponse; on /generate_stream the same JSON is an
SSE event inside a 200 response, because TGI validates inside the stream.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx2 as httpx
import pytest

from easyllm_shim.testing import TGIServer

from .conftest import sse_events


def tokens(count: int) -> str:
    """An input of exactly ``count`` tokens, BOS included."""
    return " ".join(["w"] * (count - 1))


FIVE_STOPS = ["a", "b", "c", "d", "e"]
NO_PROPERTIES = "grammar is not valid: Grammar must have a 'properties' field"
BEST_OF_STREAM = "`best_of` != 1 is not supported when streaming tokens"
PREFILL_STREAM = "`decoder_input_details` == true is not supported when streaming tokens"


def too_long(total: int, inputs: int, new: int) -> str:
    given = f"Given: {inputs} `inputs` tokens and {new} `max_new_tokens`"
    return f"`inputs` tokens + `max_new_tokens` must be <= {total}. {given}"


SCHEMA = {"type": "object", "properties": {"a": {"type": "string"}}}

# (parameters, message); inputs are "Hello" unless the parameters say otherwise.
RULES: list[tuple[dict[str, Any], str]] = [
    ({"best_of": 3, "do_sample": True}, "`best_of` must be > 0 and <= 2. Given: 3"),
    ({"best_of": 2}, "you must use sampling when `best_of` is > 1"),
    ({"best_of": 2, "do_sample": True, "seed": 1}, "`seed` must not be set when `best_of` > 1"),
    ({"temperature": 0}, "`temperature` must be strictly positive"),
    ({"temperature": -1.5}, "`temperature` must be strictly positive"),
    ({"repetition_penalty": 0}, "`repetition_penalty` must be strictly positive"),
    ({"frequency_penalty": 2.5}, "`frequency_penalty` must be >= -2.0 and <= 2.0"),
    ({"frequency_penalty": -2.01}, "`frequency_penalty` must be >= -2.0 and <= 2.0"),
    ({"top_p": 1.0}, "`top_p` must be > 0.0 and < 1.0"),
    ({"top_p": 0}, "`top_p` must be > 0.0 and < 1.0"),
    ({"typical_p": 1.0}, "`typical_p` must be > 0.0 and < 1.0"),
    ({"typical_p": 0.0}, "`typical_p` must be > 0.0 and < 1.0"),
    ({"top_k": 0}, "`top_k` must be strictly positive"),
    ({"top_k": -1}, "`top_k` must be strictly positive"),
    ({"max_new_tokens": 0}, "`max_new_tokens` must be strictly positive"),
    ({"stop": FIVE_STOPS}, "`stop` supports up to 4 stop sequences. Given: 5"),
    ({"top_n_tokens": 10}, "`top_n_tokens` must be >= 0 and <= 5. Given: 10"),
    ({"inputs": ""}, "`inputs` cannot be empty"),
    ({"truncate": 0}, "`truncate` must be strictly positive and less than 4095. Given: 0"),
    ({"truncate": 5000}, "`truncate` must be strictly positive and less than 4095. Given: 5000"),
    ({"inputs": tokens(5000)}, too_long(4096, 5000, 0)),
    ({"inputs": tokens(4096)}, "`inputs` must have less than 4095 tokens. Given: 4096"),
    ({"inputs": tokens(4000), "max_new_tokens": 200}, too_long(4096, 4000, 200)),
    ({"grammar": {"type": "json", "value": {"type": "object"}}}, NO_PROPERTIES),
    ({"grammar": {"type": "json", "value": "{"}}, "grammar is not valid: EOF while parsing an object at line 1 column 1"),  # noqa: E501
    ({"grammar": {"type": "json", "value": "{} x"}}, "grammar is not valid: trailing characters at line 1 column 4"),
    ({"grammar": {"type": "json", "value": "[1]"}}, 'grammar is not valid: [1] is not of types "boolean", "object"'),
    ({"grammar": {"type": "json", "value": "true"}}, NO_PROPERTIES),
    ({"grammar": {"type": "json", "value": 5}}, "grammar is not supported"),
    ({"grammar": {"type": "json_schema", "value": {"schema": {"type": "string"}}}}, NO_PROPERTIES),
    # The first failing rule wins: parameters are checked before the inputs, the inputs before the grammar.
    ({"temperature": 0, "inputs": ""}, "`temperature` must be strictly positive"),
    ({"max_new_tokens": 0, "stop": FIVE_STOPS}, "`max_new_tokens` must be strictly positive"),
    ({"inputs": "", "grammar": {"type": "json", "value": {}}}, "`inputs` cannot be empty"),
    ({"top_p": 1.0, "temperature": 0}, "`temperature` must be strictly positive"),
]  # fmt: skip

STREAM_ONLY: list[tuple[dict[str, Any], str]] = [
    ({"best_of": 2, "do_sample": True}, BEST_OF_STREAM),
    ({"best_of": 0}, BEST_OF_STREAM),
    ({"best_of": 3, "temperature": 0}, BEST_OF_STREAM),
    ({"decoder_input_details": True}, PREFILL_STREAM),
    ({"decoder_input_details": True, "temperature": 0}, PREFILL_STREAM),
]  # fmt: skip


def body_for(parameters: dict[str, Any]) -> dict[str, Any]:
    parameters = dict(parameters)
    return {"inputs": parameters.pop("inputs", "Hello"), "parameters": parameters}


def expected(message: str) -> dict[str, str]:
    return {"error": f"Input validation error: {message}", "error_type": "validation"}


def ids(rules: list[tuple[dict[str, Any], str]]) -> list[str]:
    return [",".join(f"{k}" for k in parameters) + f"-{i}" for i, (parameters, _) in enumerate(rules)]


@pytest.mark.parametrize(("parameters", "message"), RULES, ids=ids(RULES))
@pytest.mark.parametrize("route", ["/generate", "/"])
def test_generate_refuses_with_422(
    shared_client: httpx.Client, route: str, parameters: dict[str, Any], message: str
) -> None:
    response = shared_client.post(route, json=body_for(parameters))
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/json"
    assert response.json() == expected(message)


STREAM_RULES = [rule for rule in RULES if "best_of" not in rule[0]] + STREAM_ONLY


@pytest.mark.parametrize(("parameters", "message"), STREAM_RULES, ids=ids(STREAM_RULES))
def test_generate_stream_refuses_inside_a_200_stream(
    shared_client: httpx.Client, parameters: dict[str, Any], message: str
) -> None:
    response = shared_client.post("/generate_stream", json=body_for(parameters))
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/event-stream"
    assert sse_events(response.text) == [expected(message)]


def test_compat_stream_refuses_inside_the_stream_too(shared_client: httpx.Client) -> None:
    response = shared_client.post("/", json={**body_for({"top_k": 0}), "stream": True})
    assert response.status_code == 200
    assert sse_events(response.text) == [expected("`top_k` must be strictly positive")]


@pytest.mark.parametrize(
    "parameters",
    [
        {"frequency_penalty": 2.0},
        {"frequency_penalty": -2.0},
        {"best_of": 0},  # /generate treats best_of 0 like 1
        {"best_of": 1, "seed": 3},
        {"best_of": 2, "temperature": 0.7},
        {"max_new_tokens": 100000},  # TGI >= 3 checks only the first 1024-token chunk
        {"top_n_tokens": 5},
        {"truncate": 4095},
        {"stop": ["a", "b", "c", "d"]},
        {"temperature": 1e-6, "top_p": 0.999, "typical_p": 0.5, "top_k": 1, "repetition_penalty": 0.01},
    ],
)
def test_limits_are_inclusive_where_tgi_is(shared_client: httpx.Client, parameters: dict[str, Any]) -> None:
    assert shared_client.post("/generate", json=body_for(parameters)).status_code == 200


@pytest.fixture
def small(tgi_server_factory: Any) -> Iterator[httpx.Client]:
    server = tgi_server_factory(max_input_tokens=50, max_total_tokens=100, max_best_of=1, max_stop_sequences=1)
    with httpx.Client(base_url=server.url) as client:
        yield client


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ({"inputs": tokens(10), "max_new_tokens": 95}, too_long(100, 10, 95)),
        ({"inputs": tokens(60), "max_new_tokens": 10}, "`inputs` must have less than 50 tokens. Given: 60"),
        ({"inputs": tokens(120)}, too_long(100, 120, 0)),
        ({"best_of": 2, "do_sample": True}, "`best_of` != 1 is not allowed for this endpoint"),
        ({"stop": ["a", "b"]}, "`stop` supports up to 1 stop sequences. Given: 2"),
    ],
)  # fmt: skip
def test_limits_come_from_the_constructor(small: httpx.Client, parameters: dict[str, Any], message: str) -> None:
    response = small.post("/generate", json=body_for(parameters))
    assert (response.status_code, response.json()) == (422, expected(message))


def test_truncate_keeps_long_inputs_under_the_limit(small: httpx.Client) -> None:
    response = small.post("/generate", json=body_for({"inputs": tokens(120), "truncate": 40, "details": True}))
    assert response.status_code == 200
    assert response.headers["x-prompt-tokens"] == "40"


def test_without_max_new_tokens_the_budget_is_what_the_input_leaves(tgi_server_factory: Any) -> None:
    server: TGIServer = tgi_server_factory(max_input_tokens=95, max_total_tokens=100)
    with httpx.Client(base_url=server.url) as client:
        details = client.post("/generate", json=body_for({"inputs": tokens(95), "details": True})).json()["details"]
    assert (details["finish_reason"], details["generated_tokens"]) == ("length", 5)


def test_grammar_refused_when_the_server_has_no_grammar_support(tgi_server_factory: Any) -> None:
    server: TGIServer = tgi_server_factory(grammar_support=False)
    body = body_for({"grammar": {"type": "regex", "value": "a+"}})
    with httpx.Client(base_url=server.url) as client:
        response = client.post("/generate", json=body)
    assert (response.status_code, response.json()) == (422, expected("grammar is not supported"))

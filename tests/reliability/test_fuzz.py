"""Fuzzing `messages` and parameters through the real patched SDK.

Every call either sends TGI a request that its published OpenAPI schema (`GenerateRequest`) accepts
and TGI accepts, or raises a clear openai error: `BadRequestError` when the shim refuses before any
network call, `UnprocessableEntityError` when TGI's validation refuses. Any other exception fails.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openai
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import easyllm_shim
from easyllm_shim.testing import TGIServer

from ..conftest import HF_TOKEN, LLAMA
from ..sdk import OPENAI_KEY

pytestmark = pytest.mark.reference

REFERENCE = Path(__file__).resolve().parents[2].parent / "shared" / "reference"
GENERATION_PATHS = ("/generate", "/generate_stream")
# jsonschema ships no type stubs and the project installs none.
jsonschema: Any = importlib.import_module("jsonschema")


def _json_schema(node: Any) -> Any:
    """OpenAPI 3.0 → JSON Schema, as far as GenerateRequest needs: `nullable` means "or null"."""
    if isinstance(node, list):
        return [_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: _json_schema(value) for key, value in node.items() if key not in ("nullable", "example")}
    return {"anyOf": [converted, {"type": "null"}]} if node.get("nullable") is True else converted


class GenerateRequestSchema:
    """TGI's `GenerateRequest` from its OpenAPI document (a short repr keeps hypothesis reports readable)."""

    def __init__(self, openapi: Any) -> None:
        components = _json_schema(openapi)["components"]
        root = {"$ref": "#/components/schemas/GenerateRequest", "components": components}
        self._validator = jsonschema.Draft202012Validator(root)

    def validate(self, request: Any) -> None:
        self._validator.validate(request)

    def __repr__(self) -> str:
        return "GenerateRequestSchema()"


def _openapi() -> Any:
    path = REFERENCE / "tgi-openapi.json"
    if not path.is_file():
        pytest.skip("../shared/reference not present (user clone)")
    return json.loads(path.read_text())


@pytest.fixture(scope="module")
def generate_request() -> GenerateRequestSchema:
    """Read from ../shared/reference at test time; absent on a user's clone."""
    return GenerateRequestSchema(_openapi())


@pytest.fixture(scope="module")
def server() -> Iterator[TGIServer]:
    with TGIServer(reply="Hello there! I am a fuzzed answer.") as server:
        yield server


@pytest.fixture
def client(server: TGIServer) -> Iterator[openai.OpenAI]:
    easyllm_shim.patch(api_base=server.url, token=HF_TOKEN, route_all_clients=True)
    with openai.OpenAI(api_key=OPENAI_KEY, base_url="http://127.0.0.1:9/v1", max_retries=0, timeout=10) as client:
        yield client


# -- strategies ----------------------------------------------------------------------------------
text = st.text(st.characters(codec="utf-8"), max_size=30)  # no lone surrogates: they are not JSON
floats = st.floats(allow_nan=False, allow_infinity=False)
part = st.one_of(
    st.fixed_dictionaries({"type": st.just("text"), "text": text}),
    st.fixed_dictionaries({"type": st.just("image_url"), "image_url": st.just({"url": "http://img.invalid/a.png"})}),
    st.dictionaries(st.sampled_from(["type", "text", "image_url"]), text, max_size=2),
)
# Only what the SDK itself accepts: it iterates non-string content before any patch point sees it.
content = st.one_of(text, st.none(), st.lists(part, max_size=3))
role = st.one_of(st.sampled_from(["system", "developer", "user", "assistant", "tool", "function"]), text)
any_message = st.fixed_dictionaries({"role": role, "content": content}, optional={"name": text})


@st.composite
def conversation(draw: st.DrawFn) -> list[dict[str, Any]]:
    """A well-formed chat: an optional system message, then user/assistant turns ending on the user."""
    turns = draw(st.integers(0, 3))
    messages = [{"role": "system", "content": draw(text)}] if draw(st.booleans()) else []
    for _ in range(turns):
        messages += [{"role": "user", "content": draw(text)}, {"role": "assistant", "content": draw(text)}]
    return [*messages, {"role": "user", "content": draw(st.one_of(text, st.lists(part, min_size=1, max_size=2)))}]


messages = st.one_of(conversation(), st.lists(any_message, max_size=4))
json_schema = st.just({"type": "object", "properties": {"answer": {"type": "string"}}, "required": ["answer"]})
response_format = st.one_of(
    st.sampled_from([{"type": "text"}, {"type": "json_object"}]),
    json_schema.map(lambda schema: {"type": "json_schema", "json_schema": {"name": "answer", "schema": schema}}),
)
tool = json_schema.map(lambda schema: {"type": "function", "function": {"name": "answer", "parameters": schema}})
seeds = st.integers(-(2**63), 2**63 - 1)
# Values OpenAI accepts, so that many calls get through to TGI...
sane_parameters = st.fixed_dictionaries(
    {},
    optional={
        "temperature": st.floats(0, 2),
        "top_p": st.floats(0, 1),
        "max_tokens": st.integers(1, 64),
        "stop": st.one_of(text.filter(bool), st.lists(text.filter(bool), max_size=6)),
        "seed": seeds,
        "frequency_penalty": st.floats(-2, 2),
        "n": st.integers(1, 3),
        "stream": st.booleans(),
        "user": text,
    },
)
# ...and anything of the right JSON type, including what the shim must refuse.
wild_parameters = st.fixed_dictionaries(
    {},
    optional={
        "temperature": st.one_of(floats, st.none()),
        "top_p": floats,
        "max_tokens": st.integers(),
        "max_completion_tokens": st.integers(-1, 64),
        "stop": st.one_of(text, st.lists(text, max_size=6), st.none()),
        "seed": seeds,
        "frequency_penalty": floats,
        "n": st.integers(0, 3),
        "stream": st.booleans(),
        "logprobs": st.booleans(),
        "top_logprobs": st.integers(0, 6),
        "response_format": response_format,
        "tools": st.lists(tool, min_size=1, max_size=1),
        "presence_penalty": st.sampled_from([0, 0.5]),
    },
)
extra_body: st.SearchStrategy[dict[str, Any]] = st.one_of(
    st.just({}),
    st.fixed_dictionaries(
        {},
        optional={
            "top_k": st.one_of(st.integers(-1, 50), text),
            "repetition_penalty": floats,
            "truncate": st.integers(-1, 5000),
            "typical_p": floats,
            "watermark": st.booleans(),
            "not_a_tgi_parameter": st.integers(),
        },
    ),
)


def _outcome(
    client: openai.OpenAI, messages: list[Any], parameters: dict[str, Any], extra_body: dict[str, Any]
) -> tuple[str, str]:
    """What became of one call, and the error message if it was refused. Other exceptions propagate."""
    try:
        answer = client.chat.completions.create(model=LLAMA, messages=messages, extra_body=extra_body, **parameters)
        if parameters.get("stream"):
            for _ in answer:
                pass
    except openai.BadRequestError as error:  # the shim's own refusal, before any network call
        return f"refused by the shim: {error.param}", error.message
    except openai.UnprocessableEntityError as error:  # TGI's validation
        return "refused by TGI", error.message
    return "answered", ""


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(messages=messages, parameters=st.one_of(sane_parameters, wild_parameters), extra_body=extra_body)
def test_any_request_is_valid_for_tgi_or_a_clear_openai_error(
    server: TGIServer,
    client: openai.OpenAI,
    generate_request: GenerateRequestSchema,
    messages: list[Any],
    parameters: dict[str, Any],
    extra_body: dict[str, Any],
) -> None:
    server.clear_requests()
    outcome, message = _outcome(client, messages, parameters, extra_body)
    event(outcome)
    sent = [request for request in server.requests if request.path in GENERATION_PATHS]
    if outcome == "answered":
        assert len(sent) == max(parameters.get("n") or 1, 1)
        for request in sent:
            generate_request.validate(request.json())
    else:
        assert message
        assert bool(sent) == (outcome == "refused by TGI")  # the shim refuses before any network call


@pytest.mark.parametrize(("seed", "n"), [(0, 1), (-1, 2)], ids=["seed 0", "seed -1, second of two choices"])
def test_no_choice_is_sent_seed_zero_which_tgis_schema_excludes(
    server: TGIServer, client: openai.OpenAI, generate_request: GenerateRequestSchema, seed: int, n: int
) -> None:
    server.clear_requests()
    client.chat.completions.create(model=LLAMA, messages=[{"role": "user", "content": "Hi"}], seed=seed, n=n)
    for sent in [r for r in server.requests if r.path == "/generate"]:
        generate_request.validate(sent.json())


def test_the_lowest_frequency_penalty_is_sent_within_tgis_documented_range(
    server: TGIServer, client: openai.OpenAI, generate_request: GenerateRequestSchema
) -> None:
    server.clear_requests()
    client.chat.completions.create(model=LLAMA, messages=[{"role": "user", "content": "Hi"}], frequency_penalty=-2)
    [sent] = [r for r in server.requests if r.path == "/generate"]
    generate_request.validate(sent.json())

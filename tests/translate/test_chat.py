"""The OpenAI → TGI parameter mapping, row by row (docs/parameters.md)."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest

from easyllm_shim._prompts import resolve_format
from easyllm_shim._translate.chat import ChatPlan, CompletionMeta, chat_completion, plan_chat
from easyllm_shim._translate.errors import InvalidRequest
from easyllm_shim._translate.generation import Generation, read_generation

LLAMA = "meta-llama/Llama-2-7b-chat-hf"
MESSAGES = [{"role": "user", "content": "Hi"}]
BASE = {"details": True, "return_full_text": False, "do_sample": True, "stop": ["</s>", "[INST]"]}


def plan(**body: Any) -> ChatPlan:
    return plan_chat({"model": LLAMA, "messages": MESSAGES, **body}, resolve_format)


@pytest.mark.parametrize(
    ("openai", "tgi"),
    [
        pytest.param({}, {}, id="defaults: OpenAI samples, TGI must be told"),
        pytest.param({"temperature": 0}, {"do_sample": False}, id="temperature 0 is greedy, not sent"),
        pytest.param({"temperature": 0.7}, {"temperature": 0.7}, id="temperature"),
        pytest.param({"top_p": 1}, {}, id="top_p 1 not sent: TGI rejects 1.0"),
        pytest.param({"top_p": 0.9}, {"top_p": 0.9}, id="top_p"),
        pytest.param({"top_p": 0}, {"do_sample": False}, id="top_p 0 is greedy"),
        pytest.param({"max_tokens": 5}, {"max_new_tokens": 5}, id="max_tokens"),
        pytest.param(
            {"max_completion_tokens": 7, "max_tokens": 5}, {"max_new_tokens": 7}, id="max_completion_tokens wins"
        ),
        pytest.param({"seed": 42}, {"seed": 43}, id="seed, shifted above 0 as TGI's schema wants"),
        pytest.param({"seed": 0}, {"seed": 1}, id="seed 0"),
        pytest.param({"seed": -1}, {"seed": 2**64 - 1}, id="negative seed as TGI's u64"),
        pytest.param({"frequency_penalty": 0.5}, {"frequency_penalty": 0.5}, id="frequency_penalty"),
        pytest.param({"frequency_penalty": 0}, {}, id="frequency_penalty 0 not sent"),
        pytest.param({"frequency_penalty": -2}, {"frequency_penalty": -2 + 1e-6}, id="-2 inside TGI's schema"),
        pytest.param({"stop": "\nUser:"}, {"stop": ["\nUser:", "</s>", "[INST]"]}, id="stop string, caller's first"),
        pytest.param({"stop": ["a", "b", "c"]}, {"stop": ["a", "b", "c", "</s>"]}, id="stop capped at 4 for TGI"),
        pytest.param({"logprobs": True, "top_logprobs": 3}, {"top_n_tokens": 3}, id="top_logprobs -> top_n_tokens"),
        pytest.param({"logprobs": True}, {}, id="logprobs alone needs only details"),
        pytest.param(
            {"top_k": 10, "repetition_penalty": 1.1}, {"top_k": 10, "repetition_penalty": 1.1}, id="TGI extras"
        ),
        pytest.param({"user": "u", "metadata": {"a": "b"}, "store": True}, {}, id="harmless parameters ignored"),
        pytest.param({"modalities": ["text"], "logit_bias": {}}, {}, id="default values of unsupported ones"),
    ],
)
def test_each_openai_parameter_maps_to_tgi(openai: dict[str, Any], tgi: dict[str, Any]) -> None:
    expected = {**BASE, **tgi}
    if expected.get("do_sample") is False:
        expected.pop("temperature", None)
    assert plan(**openai).parameters == expected


@pytest.mark.parametrize(
    ("openai", "param"),
    [
        ({"logit_bias": {"1": 5}}, "logit_bias"),
        ({"presence_penalty": 0.1}, "presence_penalty"),
        ({"audio": {"voice": "x"}}, "audio"),
        ({"functions": [{"name": "f"}]}, "functions"),
        ({"temperature": 2.5}, "temperature"),
        ({"temperature": "hot"}, "temperature"),
        ({"top_p": 1.5}, "top_p"),
        ({"max_tokens": 0}, "max_tokens"),
        ({"frequency_penalty": 3}, "frequency_penalty"),
        ({"stop": [""]}, "stop"),
        ({"seed": 1.5}, "seed"),
        ({"n": 0}, "n"),
        ({"top_logprobs": 2}, "top_logprobs"),
        ({"response_format": {"type": "json_schema", "json_schema": {"schema": {"type": "array"}}}}, "response_format"),
        ({"response_format": {"type": "yaml"}}, "response_format"),
        ({"tool_choice": "required"}, "tool_choice"),
        ({"tools": [{"type": "function", "function": {}}]}, "tools"),
        (
            {
                "tools": [{"type": "function", "function": {"name": "f"}}],
                "tool_choice": {"type": "function", "function": {"name": "g"}},
            },
            "tool_choice",
        ),
        ({"made_up": 1}, "made_up"),
    ],
)
def test_what_tgi_cannot_honour_is_refused_by_name(openai: dict[str, Any], param: str) -> None:
    with pytest.raises(InvalidRequest) as raised:
        plan(**openai)
    assert raised.value.param == param
    assert param in str(raised.value)


def test_n_choices_get_distinct_seeds_when_seeded() -> None:
    bodies = [json.loads(body) for body in plan(n=3, seed=7).tgi_bodies(serverless=False)]
    assert [body["parameters"]["seed"] for body in bodies] == [8, 9, 10]
    assert {body["inputs"] for body in bodies} == {"[INST] Hi [/INST]"}


def test_a_stream_of_n_choices_is_one_tgi_stream_per_choice() -> None:
    bodies = [json.loads(body) for body in plan(n=2, seed=7, stream=True).tgi_bodies(serverless=False)]
    assert [body["parameters"]["seed"] for body in bodies] == [8, 9]


def test_the_compat_route_takes_the_stream_flag_in_the_body() -> None:
    [body] = plan(stream=True).tgi_bodies(serverless=True)
    assert json.loads(body)["stream"] is True


def test_json_schema_response_format_becomes_a_tgi_grammar() -> None:
    schema = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
    parameters = plan(
        response_format={"type": "json_schema", "json_schema": {"name": "c", "schema": schema}}
    ).parameters
    assert parameters["grammar"] == {"type": "json", "value": schema}


def test_tools_become_a_grammar_over_the_functions_and_the_prompt_describes_them() -> None:
    weather = {"name": "get_weather", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}
    chat = plan(tools=[{"type": "function", "function": weather}])
    [calls] = chat.parameters["grammar"]["value"]["properties"]["function"].values()
    assert [option["properties"]["_name"]["const"] for option in calls] == ["get_weather", "no_tool"]
    assert "get_weather" in chat.inputs


def test_tool_results_are_rendered_back_into_the_prompt() -> None:
    messages = [
        {"role": "user", "content": "Weather in Paris?"},
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city":"Paris"}'}}
        ]},
        {"role": "tool", "tool_call_id": "call_1", "content": "18C, sunny"},
    ]  # fmt: skip
    chat = plan_chat({"model": LLAMA, "messages": messages}, resolve_format)
    assert '{"function": {"_name": "get_weather", "city": "Paris"}}' in chat.inputs
    assert "Result of get_weather: 18C, sunny" in chat.inputs
    assert chat.inputs.endswith("[/INST]")


META = CompletionMeta(id="chatcmpl-abc123", created=1, model=LLAMA)


def completion(chat: ChatPlan, *generations: Generation) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(chat_completion(chat, META, generations, prompt_tokens=10))
    return result


@pytest.mark.parametrize(
    ("tgi_reason", "text", "stop", "content", "reason"),
    [
        ("eos_token", " Hello", None, "Hello", "stop"),
        ("length", " Hello wor", None, "Hello wor", "length"),
        ("stop_sequence", " Hello\nUser:", "\nUser:", "Hello", "stop"),
        ("length", " Hi. END more", "END", "Hi. ", "stop"),
    ],
)
def test_finish_reasons_and_stop_text_follow_openai(
    tgi_reason: str, text: str, stop: str | None, content: str, reason: str
) -> None:
    [answer] = completion(plan(stop=stop), Generation(text, tgi_reason, 3))["choices"]
    assert (answer["message"]["content"], answer["finish_reason"]) == (content, reason)


def test_n_choices_count_the_prompt_once_and_sum_completion_tokens() -> None:
    result = completion(plan(n=2), Generation(" A", "eos_token", 2), Generation(" B", "eos_token", 3))
    assert [c["message"]["content"] for c in result["choices"]] == ["A", "B"]
    assert [c["index"] for c in result["choices"]] == [0, 1]
    assert result["usage"] == {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}


def test_a_tool_call_generation_becomes_tool_calls() -> None:
    tools = [{"type": "function", "function": {"name": "get_weather"}}]
    generation = Generation('{"function":{"_name":"get_weather","city":"Paris"}}', "eos_token", 9)
    [answer] = completion(plan(tools=tools), generation)["choices"]
    assert answer["finish_reason"] == "tool_calls"
    assert answer["message"]["content"] is None
    [call] = answer["message"]["tool_calls"]
    assert call == {
        "id": "call_abc123",
        "type": "function",
        "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
    }


def test_no_tool_answers_in_text() -> None:
    tools = [{"type": "function", "function": {"name": "get_weather"}}]
    generation = Generation('{"function":{"_name":"no_tool","content":"I cannot check the weather."}}', "eos_token", 9)
    [answer] = completion(plan(tools=tools), generation)["choices"]
    assert (answer["message"]["content"], answer["finish_reason"]) == ("I cannot check the weather.", "stop")


CITY = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
WEATHER = {"type": "function", "function": {"name": "get_weather", "parameters": CITY}}
CITY_FORMAT = {"type": "json_schema", "json_schema": {"name": "city", "schema": CITY, "strict": True}}
A_CALL = {"function": {"_name": "get_weather", "city": "Paris"}}
A_CITY = {"function": {"_name": "no_tool", "content": {"city": "Paris"}}}
A_TEXT = {"function": {"_name": "no_tool", "content": "Paris"}}


def allows(chat: ChatPlan, instance: Any) -> bool:
    return jsonschema.Draft202012Validator(chat.parameters["grammar"]["value"]).is_valid(instance)


@pytest.mark.parametrize(
    ("tool_choice", "allowed", "refused"),
    [
        pytest.param("auto", [A_CALL, A_CITY], [A_TEXT, {"city": "Paris"}], id="auto: a call or the format"),
        pytest.param(None, [A_CALL, A_CITY], [A_TEXT], id="no choice is auto"),
        pytest.param("required", [A_CALL], [A_CITY, A_TEXT], id="required: a call"),
        pytest.param({"type": "function", "function": {"name": "get_weather"}}, [A_CALL], [A_CITY], id="forced"),
        pytest.param("none", [{"city": "Paris"}], [A_CALL, A_CITY], id="none: the format"),
    ],
)
def test_tools_with_a_response_format_are_one_grammar_allowing_what_openai_allows(
    tool_choice: Any, allowed: list[Any], refused: list[Any]
) -> None:
    chat = plan(tools=[WEATHER], tool_choice=tool_choice, response_format=CITY_FORMAT)

    assert [allows(chat, instance) for instance in allowed] == [True] * len(allowed)
    assert [allows(chat, instance) for instance in refused] == [False] * len(refused)
    assert "properties" in chat.parameters["grammar"]["value"]


def test_a_json_object_format_with_tools_answers_any_object_or_a_call() -> None:
    chat = plan(tools=[WEATHER], response_format={"type": "json_object"})

    assert allows(chat, {"function": {"_name": "no_tool", "content": {"any": ["thing"]}}})
    assert allows(chat, A_CALL)
    assert not allows(chat, A_TEXT)


def test_an_answer_in_the_format_beside_tools_is_its_json_text() -> None:
    chat = plan(tools=[WEATHER], response_format=CITY_FORMAT)

    [answer] = completion(chat, Generation(json.dumps(A_CITY), "eos_token", 9))["choices"]

    assert json.loads(answer["message"]["content"]) == {"city": "Paris"}
    assert (answer["finish_reason"], answer["message"].get("tool_calls")) == ("stop", None)


def test_logprobs_follow_the_kept_tokens_in_openai_shape() -> None:
    tgi = {
        "generated_text": " Hi there",
        "details": {
            "finish_reason": "eos_token",
            "generated_tokens": 3,
            "tokens": [
                {"id": 1, "text": " Hi", "logprob": -0.5, "special": False},
                {"id": 2, "text": " there", "logprob": None, "special": False},
                {"id": 3, "text": "</s>", "logprob": -0.1, "special": True},
            ],
            "top_tokens": [[{"id": 1, "text": " Hi", "logprob": -0.5, "special": False}], [], []],
        },
    }
    generation = read_generation(json.dumps(tgi).encode(), with_details=True)
    [answer] = completion(plan(logprobs=True, top_logprobs=1), generation)["choices"]
    first, second = answer["logprobs"]["content"]
    assert first == {"token": "Hi", "logprob": -0.5, "bytes": [72, 105], "top_logprobs": [
        {"token": " Hi", "logprob": -0.5, "bytes": [32, 72, 105]}]}  # fmt: skip
    assert second["logprob"] == -9999.0  # TGI's null (NaN) in OpenAI's "masked" convention


def test_the_fast_reader_agrees_with_a_full_parse_whatever_the_key_order() -> None:
    tgi = {"details": {"tokens": [], "generated_tokens": 2, "finish_reason": "length"}, "generated_text": ' a "b"'}
    for content in (json.dumps(tgi), json.dumps([tgi], indent=2)):
        fast, full = read_generation(content.encode()), read_generation(content.encode(), with_details=True)
        assert (fast.text, fast.finish_reason, fast.generated_tokens) == (full.text, full.finish_reason, 2)

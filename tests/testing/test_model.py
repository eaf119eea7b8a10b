"""What the fake model generates and why it stops, seen through /generate."""

from __future__ import annotations

from typing import Any

import httpx2 as httpx
import pytest

from easyllm_shim.testing import TGIServer

REPLY = "Hello there test ok!"  # tokens: " Hello", " there", " test", " ok", "!", then "</s>"


def generate(client: httpx.Client, inputs: str = "Say hi", **parameters: Any) -> dict[str, Any]:
    response = client.post("/generate", json={"inputs": inputs, "parameters": {"details": True, **parameters}})
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def outcome(result: dict[str, Any]) -> tuple[str, str, int]:
    details = result["details"]
    return result["generated_text"], details["finish_reason"], details["generated_tokens"]


@pytest.fixture
def replying(tgi_server: TGIServer, client: httpx.Client) -> httpx.Client:
    tgi_server.reply = REPLY
    return client


@pytest.mark.parametrize(
    ("parameters", "expected"),
    [
        ({}, (" Hello there test ok!", "eos_token", 6)),
        ({"stop": ["test"]}, (" Hello there test", "stop_sequence", 3)),  # the stop text stays in
        ({"stop": ["there test"]}, (" Hello there test", "stop_sequence", 3)),  # across tokens
        ({"stop": ["tes"]}, (" Hello there test ok!", "eos_token", 6)),  # only the end of the text counts
        ({"stop": ["nothing", " ok"]}, (" Hello there test ok", "stop_sequence", 4)),
        ({"stop": ["test"], "max_new_tokens": 3}, (" Hello there test", "length", 3)),  # length is checked first
        ({"max_new_tokens": 6}, (" Hello there test ok!", "length", 6)),  # ...also before EOS
        ({"max_new_tokens": 2}, (" Hello there", "length", 2)),
        ({"stop": ["</s>"]}, (" Hello there test ok!", "eos_token", 6)),  # EOS before stop sequences
        ({"stop": [""]}, (" Hello", "stop_sequence", 1)),  # an empty stop matches at once, as in TGI
    ],
)
def test_stopping_criteria(replying: httpx.Client, parameters: dict[str, Any], expected: tuple[str, str, int]) -> None:
    assert outcome(generate(replying, **parameters)) == expected


def test_a_token_that_carries_the_stop_text_plus_more_does_not_stop(
    tgi_server: TGIServer, client: httpx.Client
) -> None:
    tgi_server.reply = "All tests pass"
    assert outcome(generate(client, stop=["test"])) == (" All tests pass", "eos_token", 4)


def test_the_eos_token_is_special_counted_and_not_in_the_text(replying: httpx.Client) -> None:
    result = generate(replying)
    last = result["details"]["tokens"][-1]
    assert (last["id"], last["text"], last["special"]) == (2, "</s>", True)
    assert "</s>" not in result["generated_text"]


def test_an_eos_inside_the_reply_ends_the_generation(tgi_server: TGIServer, client: httpx.Client) -> None:
    tgi_server.reply = "Done.</s> ignored"
    assert outcome(generate(client)) == (" Done.", "eos_token", 3)


def test_an_empty_reply_is_just_eos(tgi_server: TGIServer, client: httpx.Client) -> None:
    tgi_server.reply = ""
    assert outcome(generate(client)) == ("", "eos_token", 1)


def test_a_reply_that_starts_with_whitespace_gets_no_extra_space(tgi_server: TGIServer, client: httpx.Client) -> None:
    tgi_server.reply = "\nLine"
    assert generate(client)["generated_text"] == "\nLine"


def test_return_full_text_prepends_the_prompt(replying: httpx.Client) -> None:
    assert generate(replying, "Prompt:", return_full_text=True)["generated_text"] == "Prompt: Hello there test ok!"


def test_the_default_reply_is_about_forty_tokens_and_ends_with_eos(client: httpx.Client) -> None:
    text, reason, count = outcome(generate(client))
    assert reason == "eos_token"
    assert 36 <= count <= 46
    assert text.startswith(" ")


def test_greedy_is_deterministic_per_prompt(client: httpx.Client) -> None:
    first, again, other = generate(client, "A"), generate(client, "A"), generate(client, "B")
    assert first == again
    assert first["generated_text"] != other["generated_text"]
    assert first["details"]["seed"] is None


def test_a_seed_without_sampling_is_not_echoed(client: httpx.Client) -> None:
    assert generate(client, seed=5)["details"]["seed"] is None


def test_an_explicit_temperature_of_one_is_not_sampling(client: httpx.Client) -> None:
    assert generate(client, temperature=1.0, seed=5)["details"]["seed"] is None


@pytest.mark.parametrize("switch", [{"do_sample": True}, {"top_p": 0.9}, {"top_k": 10}, {"temperature": 0.5}])
def test_sampling_is_deterministic_per_seed_and_echoes_it(client: httpx.Client, switch: dict[str, Any]) -> None:
    first, again = generate(client, seed=1, **switch), generate(client, seed=1, **switch)
    other = generate(client, seed=2, **switch)
    assert first == again
    assert first["details"]["seed"] == 1
    assert first["generated_text"] != other["generated_text"]


def test_sampling_without_a_seed_draws_one(client: httpx.Client) -> None:
    seeds = {generate(client, do_sample=True)["details"]["seed"] for _ in range(3)}
    assert len(seeds) == 3
    assert all(isinstance(seed, int) and 0 <= seed < 2**64 for seed in seeds)


def test_logprobs_are_deterministic_and_never_positive(client: httpx.Client) -> None:
    tokens = generate(client)["details"]["tokens"]
    assert tokens == generate(client)["details"]["tokens"]
    assert all(token["logprob"] <= 0 for token in tokens)


def test_top_n_tokens_lists_the_chosen_token_first(replying: httpx.Client) -> None:
    details = generate(replying, top_n_tokens=3)["details"]
    assert len(details["top_tokens"]) == len(details["tokens"])
    for chosen, top in zip(details["tokens"], details["top_tokens"], strict=True):
        assert len(top) == 3
        assert top[0] == chosen
        logprobs = [t["logprob"] for t in top]
        assert logprobs == sorted(logprobs, reverse=True)
        assert all(value <= 0 for value in logprobs)


def test_no_top_tokens_key_unless_asked(replying: httpx.Client) -> None:
    assert "top_tokens" not in generate(replying)["details"]
    assert "top_tokens" not in generate(replying, top_n_tokens=0)["details"]


def test_best_of_returns_the_best_and_lists_the_others(client: httpx.Client) -> None:
    details = generate(client, "P", best_of=2, do_sample=True, return_full_text=True)["details"]
    (other,) = details["best_of_sequences"]
    assert set(other) == {
        "generated_text",
        "finish_reason",
        "generated_tokens",
        "seed",
        "prefill",
        "tokens",
        "top_tokens",
    }
    assert other["generated_text"].startswith("P ")
    assert isinstance(other["seed"], int)
    assert other["seed"] != details["seed"]

    def mean(tokens: list[dict[str, Any]]) -> float:
        return float(sum(t["logprob"] for t in tokens)) / len(tokens)

    assert mean(details["tokens"]) >= mean(other["tokens"])


def test_best_of_sequences_only_with_details(client: httpx.Client) -> None:
    body = {"inputs": "P", "parameters": {"best_of": 2, "do_sample": True}}
    assert client.post("/generate", json=body).json().keys() == {"generated_text"}


def test_decoder_input_details_gives_an_empty_prefill_like_tgi_3(client: httpx.Client) -> None:
    body = {"inputs": "P", "parameters": {"decoder_input_details": True}}
    assert client.post("/generate", json=body).json()["details"]["prefill"] == []


def test_the_reply_callable_sees_the_prompt_and_the_effective_parameters(
    tgi_server: TGIServer, client: httpx.Client
) -> None:
    seen: list[tuple[str, dict[str, Any]]] = []

    def reply(prompt: str, parameters: dict[str, Any]) -> str:
        seen.append((prompt, parameters))
        return "ok"

    tgi_server.reply = reply
    client.post("/generate", json={"inputs": "no parameters"})
    client.post("/generate", json={"inputs": "empty", "parameters": {}})
    assert [(prompt, p["do_sample"]) for prompt, p in seen] == [("no parameters", True), ("empty", False)]
    assert seen[0][1]["stop"] == []


def test_byte_level_vocabularies_get_no_leading_space(tgi_server_factory: Any) -> None:
    server: TGIServer = tgi_server_factory("meta-llama/Meta-Llama-3.1-8B-Instruct", reply="OK!")
    with httpx.Client(base_url=server.url) as client:
        result = generate(client)
    assert outcome(result) == ("OK!", "eos_token", 3)
    assert result["details"]["tokens"][-1] == {
        "id": 128009,
        "text": "<|eot_id|>",
        "logprob": result["details"]["tokens"][-1]["logprob"],
        "special": True,
    }

"""The TGI protocol's flow, step by step: what it asks the driver to do, on every SDK generation alike."""

from __future__ import annotations

import json
from typing import Any

from easyllm_shim._config.credentials import Credentials
from easyllm_shim._config.settings import Config
from easyllm_shim._upstream.steps import Reply, Streaming
from easyllm_shim._upstream.upstream import Upstream

from ..flows import Script, run_flow

LLAMA = "meta-llama/Llama-2-7b-chat-hf"
CHAT = {"model": LLAMA, "messages": [{"role": "user", "content": "Hi"}]}
GENERATED = json.dumps({"generated_text": " Hello", "details": {"finish_reason": "eos_token", "generated_tokens": 2}})


def config(api_base: str = "http://tgi.invalid") -> Config:
    return Config(api_base=api_base, credentials=Credentials(None, stored_login=False))


def sent_parameters(script: Script, index: int = -1) -> dict[str, Any]:
    parameters: dict[str, Any] = json.loads(script.sent[index].body)["parameters"]
    return parameters


def test_info_is_read_once_per_server_before_its_first_call() -> None:
    upstream = Upstream(config())
    first, second = Script(answers=[(200, GENERATED.encode())]), Script(answers=[(200, GENERATED.encode())])

    run_flow(upstream, "/chat/completions", CHAT, first)
    run_flow(upstream, "/chat/completions", CHAT, second)

    assert first.paths() == ["info", "generate"]
    assert second.paths() == ["generate"]


def test_the_servers_max_stop_sequences_decides_how_many_stop_strings_it_is_sent() -> None:
    info = json.dumps({"max_stop_sequences": 2, "version": "3.3.6"}).encode()
    script = Script(info=info, answers=[(200, GENERATED.encode())])

    reply = run_flow(config(), "/chat/completions", {**CHAT, "stop": ["a", "b", "c"]}, script)

    assert isinstance(reply, Reply)
    assert reply.status == 200
    assert sent_parameters(script)["stop"] == ["a", "b"]


def test_a_server_that_takes_more_stop_strings_than_tgis_default_gets_them_all() -> None:
    info = json.dumps({"max_stop_sequences": 8}).encode()
    script = Script(info=info, answers=[(200, GENERATED.encode())])

    run_flow(config(), "/chat/completions", {**CHAT, "stop": ["a", "b", "c", "d", "e"]}, script)

    assert sent_parameters(script)["stop"] == ["a", "b", "c", "d", "e", "</s>", "[INST]"]


def test_a_refused_request_ends_the_flow_before_any_step() -> None:
    script = Script()

    reply = run_flow(config(), "/chat/completions", {**CHAT, "temperature": 7}, script)

    assert isinstance(reply, Reply)
    assert reply.status == 400
    assert b"temperature" in reply.content
    assert script.sent == []


def test_the_serverless_api_has_no_info_to_read() -> None:
    script = Script(answers=[(200, json.dumps([json.loads(GENERATED)]).encode())])

    run_flow(config("https://router.huggingface.co/hf-inference/models"), "/chat/completions", CHAT, script)

    assert [request.url for request in script.sent] == [f"https://router.huggingface.co/hf-inference/models/{LLAMA}"]


def test_n_streams_are_opened_at_once_and_relayed_one_choice_after_the_other() -> None:
    def events(text: str) -> list[bytes]:
        token = {"token": {"id": 1, "text": text, "logprob": 0, "special": False}, "generated_text": None}
        final = {"token": {"id": 2, "text": "</s>", "logprob": 0, "special": True}, "generated_text": text}
        final["details"] = {"finish_reason": "eos_token", "generated_tokens": 2, "input_length": 3}
        return [b"data:" + json.dumps(token).encode() + b"\n\n", b"data:" + json.dumps(final).encode() + b"\n\n"]

    script = Script(streams=[events(" zero"), events(" one")])
    outcome = run_flow(config(), "/chat/completions", {**CHAT, "n": 2, "stream": True}, script)

    assert isinstance(outcome, Streaming)
    assert script.paths() == ["info", "generate_stream", "generate_stream"]
    frames = b"".join(script.relay(outcome)).split(b"\n\n")
    contents = [json.loads(frame[6:])["choices"][0] for frame in frames if frame.startswith(b"data: {")]
    assert [(c["index"], c["delta"].get("content")) for c in contents if c["delta"].get("content")] == [
        (0, "zero"),
        (1, "one"),
    ]
    assert frames[-2] == b"data: [DONE]"
    assert script.closed == [0, 1]

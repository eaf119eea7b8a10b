"""TGIServer's public surface: construction, lifecycle and the reply setting."""

from __future__ import annotations

import dataclasses

import httpx2 as httpx
import pytest

import easyllm_shim.testing
from easyllm_shim.testing import RecordedRequest, TGIServer


def test_public_names() -> None:
    assert easyllm_shim.testing.__all__ == ["OpenAICompatibleServer", "RecordedRequest", "TGIServer"]


def test_the_launcher_rule_on_limits() -> None:
    with pytest.raises(ValueError, match="`max_input_tokens` must be < `max_total_tokens`"):
        TGIServer(max_input_tokens=10, max_total_tokens=10)


def test_url_only_while_running() -> None:
    server = TGIServer()
    with pytest.raises(RuntimeError, match="not running"):
        _ = server.url
    assert repr(server) == "TGIServer('meta-llama/Llama-2-7b-chat-hf', stopped)"
    with server:
        assert server.url.startswith("http://127.0.0.1:")
        assert not server.url.endswith("/")
        assert repr(server) == f"TGIServer('meta-llama/Llama-2-7b-chat-hf', {server.url})"


def test_start_is_idempotent_and_the_server_restarts() -> None:
    server = TGIServer(reply="again")
    assert server.start() is server
    url = server.url
    assert server.start().url == url
    server.stop()
    server.stop()
    with server, httpx.Client(base_url=server.url) as client:
        assert client.post("/generate", json={"inputs": "x"}).json() == {"generated_text": " again"}


def test_model_id_and_reply() -> None:
    server = TGIServer("HuggingFaceH4/zephyr-7b-beta", reply="hi")
    assert (server.model_id, server.reply) == ("HuggingFaceH4/zephyr-7b-beta", "hi")


def test_recorded_requests_are_frozen() -> None:
    request = RecordedRequest("POST", "/generate", {"content-type": "application/json"}, b'{"a": 1}')
    assert request.json() == {"a": 1}
    with pytest.raises(dataclasses.FrozenInstanceError):
        request.path = "/"  # type: ignore[misc]

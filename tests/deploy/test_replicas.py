"""Several replicas of one model: calls spread over them, fail over with the SDK's own retries, stick to a
session's replica, and come back to a replica that recovers. Loopback servers; bounded loops, no deadlines."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import openai
import pytest

import easyllm_shim
from easyllm_shim.testing import OpenAICompatibleServer, TGIServer

from ..conftest import HF_TOKEN, LLAMA
from ..openai_standin import OpenAIStandIn
from ..sdk import OPENAI_KEY
from .conftest import read_log

MESSAGES = [{"role": "user", "content": "Hi"}]
REPLY = "Hello there!"
Server = TGIServer | OpenAICompatibleServer
GENERATION_PATHS = ("/generate", "/generate_stream", "/v1/chat/completions")


class Replicas:
    """Three servers of one kind, each restartable on its own port."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.servers: list[Server] = [self._new(0) for _ in range(3)]
        self.ports = [int(server.url.split(":")[2].split("/")[0]) for server in self.servers]

    def _new(self, port: int) -> Server:
        if self.kind == "tgi":
            return TGIServer(LLAMA, reply=REPLY, port=port).start()
        server = OpenAICompatibleServer(LLAMA, port=port).start()
        server.reply = REPLY
        return server

    @property
    def urls(self) -> list[str]:
        return [f"http://127.0.0.1:{port}" + ("/v1" if self.kind == "openai" else "") for port in self.ports]

    def served(self) -> list[int]:
        """Generation requests each server received (a restarted server counts from its restart)."""
        return [sum(1 for r in server.requests if r.path.split("?")[0] in GENERATION_PATHS) for server in self.servers]

    def stop(self, index: int) -> None:
        self.servers[index].stop()

    def restart(self, index: int) -> None:
        self.servers[index] = self._new(self.ports[index])

    def close(self) -> None:
        for server in self.servers:
            server.stop()


@pytest.fixture(params=["tgi", "openai"])
def replicas(request: pytest.FixtureRequest) -> Iterator[Replicas]:
    started = Replicas(request.param)
    yield started
    started.close()


def patch(replicas: Replicas, log: Path | None = None, **options: Any) -> None:
    managed: dict[str, Any] = {"fallback": {LLAMA: "gpt-4o-mini"}, "ab_log": log} if log is not None else {}
    easyllm_shim.patch(token=HF_TOKEN, endpoints={LLAMA: replicas.urls}, **managed, **options)


_clients: list[openai.OpenAI] = []


@pytest.fixture(autouse=True)
def _close_clients() -> Iterator[None]:
    yield
    while _clients:
        _clients.pop().close()


def client(openai_api: OpenAIStandIn | None = None, **options: Any) -> openai.OpenAI:
    base = openai_api.url if openai_api is not None else "http://127.0.0.1:9/v1"
    _clients.append(openai.OpenAI(api_key=OPENAI_KEY, base_url=base, **options))
    return _clients[-1]


def ask(sdk: openai.OpenAI, **extra: Any) -> str:
    answer = sdk.chat.completions.create(model=LLAMA, messages=MESSAGES, **extra)  # type: ignore[arg-type]
    return str(answer.choices[0].message.content).strip()  # the vLLM stand-in's tokenizer keeps a leading space


def stream(sdk: openai.OpenAI, **extra: Any) -> str:
    chunks: Any = sdk.chat.completions.create(model=LLAMA, messages=MESSAGES, stream=True, **extra)  # type: ignore[arg-type]
    return "".join(chunk.choices[0].delta.content or "" for chunk in chunks if chunk.choices).strip()


def test_calls_spread_over_the_replicas(replicas: Replicas) -> None:
    patch(replicas)
    sdk = client()

    assert {ask(sdk) for _ in range(300)} == {REPLY}

    served = replicas.served()
    assert sum(served) == 300
    assert min(served) >= 45, served  # each at least 15%


def test_a_replica_stopped_mid_run_costs_the_callers_nothing(
    replicas: Replicas, openai_api: OpenAIStandIn, tmp_path: Path
) -> None:
    log = tmp_path / "events.jsonl"
    patch(replicas, log)
    sdk = client(openai_api)
    done = 0
    lock = threading.Lock()

    def one(_: int) -> str:
        nonlocal done
        content = ask(sdk)
        with lock:
            done += 1
            if done == 100:
                replicas.stop(0)
        return content

    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(one, range(300)))

    assert results == [REPLY] * 300  # any error would have been raised by map
    events = read_log(log)
    assert len(events) == 300
    assert [event for event in events if event["fallback"] or event["error"]] == []
    assert openai_api.requests == []  # no call needed the fallback model
    first = next(i for i, event in enumerate(events) if event["failovers"])
    after = events[first:]
    tried_dead = sum(event["failovers"] for event in after)
    assert tried_dead < 0.1 * len(after), (tried_dead, len(after))
    dead_url = replicas.urls[0]
    assert {event["replica"] for event in after[len(after) // 2 :]} <= set(replicas.urls[1:])
    assert any(event["replica"] == dead_url for event in events[:first])


def test_a_replica_that_comes_back_serves_again_within_its_cooldown(replicas: Replicas) -> None:
    patch(replicas, cooldown=0.05)
    sdk = client()
    replicas.stop(0)
    for _ in range(60):  # until the dead replica has failed a few calls (its cooldown is then 0.1-0.4 s)
        assert ask(sdk) == REPLY
    replicas.restart(0)

    for _ in range(100):  # at most 0.05 s apart: 5 s, more than the cooldown reached
        assert ask(sdk) == REPLY
        if replicas.served()[0] >= 5:
            break
        time.sleep(0.05)
    assert replicas.served()[0] >= 5


@pytest.mark.parametrize("refusal", ["503", "connection refused"])
def test_a_stream_refused_before_its_first_token_is_opened_on_another_replica(replicas: Replicas, refusal: str) -> None:
    patch(replicas)
    sdk = client()
    assert ask(sdk, user="alice") == REPLY
    home = replicas.served().index(1)
    if refusal == "503":
        replicas.servers[home].fail_next(503, {"error": "Model is overloaded", "error_type": "overloaded"})
    else:
        replicas.stop(home)
    before = replicas.served()

    assert stream(sdk, user="alice") == REPLY

    after = replicas.served()
    assert sum(after) - sum(before) == (2 if refusal == "503" else 1)  # one refused, one served elsewhere
    assert [a - b for a, b in zip(after, before, strict=True) if a != b] != []
    others = [i for i in range(3) if i != home]
    assert sum(after[i] - before[i] for i in others) == 1


@pytest.mark.parametrize("field", ["user", "prompt_cache_key", "safety_identifier"])
def test_one_sessions_calls_land_on_one_replica(replicas: Replicas, field: str) -> None:
    patch(replicas)
    sdk = client()

    for _ in range(20):
        assert ask(sdk, extra_body={field: "session-42"}) == REPLY

    assert sorted(replicas.served()) == [0, 0, 20]


def test_the_fallback_model_is_used_only_after_every_replica_failed(
    replicas: Replicas, openai_api: OpenAIStandIn, tmp_path: Path
) -> None:
    log = tmp_path / "events.jsonl"
    patch(replicas, log)
    sdk = client(openai_api, max_retries=2)
    for index in range(3):
        replicas.stop(index)

    assert ask(sdk) == "from openai"

    [event] = read_log(log)
    assert (event["fallback"], event["served"], event["failovers"]) == (True, "gpt-4o-mini", 3)


def test_a_query_string_in_an_endpoint_url_follows_every_path(tgi: TGIServer) -> None:
    easyllm_shim.patch(token=HF_TOKEN, endpoints={LLAMA: f"{tgi.url}/?api-version=2024-05-01"})

    assert ask(client()) == REPLY
    assert stream(client()) == REPLY

    assert [r.path for r in tgi.requests if r.path.startswith("/generate")] == [
        "/generate?api-version=2024-05-01",
        "/generate_stream?api-version=2024-05-01",
    ]

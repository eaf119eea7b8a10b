"""A thousand concurrent async calls over three replicas, one killed and restarted mid-run: every call
answered, and no socket left open to any replica."""

from __future__ import annotations

import asyncio
from typing import Any

import openai

import easyllm_shim
from easyllm_shim.testing import TGIServer

from ..conftest import HF_TOKEN, LLAMA
from ..openai_standin import OpenAIStandIn
from ..sdk import OPENAI_KEY
from ._sockets import client_sockets_to, open_fds

CALLS = 1000
REPLY = "Hello there!"
MESSAGES = [{"role": "user", "content": "Knock knock."}]
TIMEOUT = 120.0  # as in test_load.py: connect time on a starved event loop is not the shim's


def _port(server: TGIServer) -> int:
    return int(server.url.rsplit(":", 1)[1])


async def _run(base_url: str, servers: list[TGIServer], ports: list[int]) -> tuple[list[Any], int]:
    done = 0
    killed = asyncio.Event()

    async def one(client: openai.AsyncOpenAI) -> Any:
        nonlocal done
        try:
            return await client.chat.completions.create(model=LLAMA, messages=MESSAGES)  # type: ignore[arg-type]
        finally:
            done += 1
            if done == CALLS // 4:
                killed.set()

    async def kill_and_restart() -> None:
        await killed.wait()
        await asyncio.to_thread(servers[0].stop)
        while done < CALLS // 2:  # bounded: every call ends (answered or failed) within its timeout
            await asyncio.sleep(0.01)
        servers[0] = await asyncio.to_thread(lambda: TGIServer(LLAMA, reply=REPLY, port=ports[0]).start())

    async with openai.AsyncOpenAI(api_key=OPENAI_KEY, base_url=base_url, timeout=TIMEOUT) as client:
        chaos = asyncio.create_task(kill_and_restart())
        results = await asyncio.gather(*(one(client) for _ in range(CALLS)), return_exceptions=True)
        await chaos
        return list(results), sum(client_sockets_to(port) for port in ports)


def test_a_thousand_concurrent_calls_survive_a_replica_killed_and_restarted(openai_api: OpenAIStandIn) -> None:
    fds_before = open_fds()
    servers = [TGIServer(LLAMA, reply=REPLY).start() for _ in range(3)]
    ports = [_port(server) for server in servers]
    try:
        easyllm_shim.patch(endpoints={LLAMA: [server.url for server in servers]}, token=HF_TOKEN, cooldown=0.05)

        results, sockets_while_open = asyncio.run(_run(openai_api.url, servers, ports))

        errors = [result for result in results if isinstance(result, BaseException)]
        assert errors == [], f"{len(errors)} of {CALLS} calls failed, first: {errors[:3]!r}"
        assert {result.choices[0].message.content for result in results} == {REPLY}
        assert sum(1 for r in servers[1].requests + servers[2].requests if r.path == "/generate") < CALLS
        assert sockets_while_open > 0
        assert [client_sockets_to(port) for port in ports] == [0, 0, 0]
    finally:
        for server in servers:
            server.stop()
    assert openai_api.requests == []
    assert open_fds() <= fds_before

"""A thousand routed calls at once: every one answered, and nothing left open afterwards."""

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
# The SDK's default connect timeout (5 s) counts wall time on a starved event loop: with a thousand
# coroutines on a busy 2-core CI machine the last connections start late, with or without the shim.
TIMEOUT = 120.0


async def call_concurrently(base_url: str, port: int) -> tuple[list[Any], int]:
    """Results of CALLS concurrent routed calls, and the client sockets still open before the client closes."""
    async with openai.AsyncOpenAI(api_key=OPENAI_KEY, base_url=base_url, max_retries=0, timeout=TIMEOUT) as client:
        calls = (client.chat.completions.create(model=LLAMA, messages=MESSAGES) for _ in range(CALLS))  # type: ignore[arg-type]
        results = await asyncio.gather(*calls, return_exceptions=True)
        return list(results), client_sockets_to(port)


def test_a_thousand_concurrent_async_routed_calls_all_succeed_and_leave_no_socket_open(
    openai_api: OpenAIStandIn,
) -> None:
    fds_before = open_fds()
    with TGIServer(reply=REPLY) as server:
        port = int(server.url.rsplit(":", 1)[1])
        easyllm_shim.patch(api_base=server.url, token=HF_TOKEN)

        results, sockets_while_open = asyncio.run(call_concurrently(openai_api.url, port))

        errors = [result for result in results if isinstance(result, BaseException)]
        assert errors == [], f"{len(errors)} of {CALLS} calls failed, first: {errors[:3]!r}"
        assert {result.choices[0].message.content for result in results} == {REPLY}
        assert len([r for r in server.requests if r.path == "/generate"]) == CALLS
        assert sockets_while_open > 0  # the count below measures something real
        assert client_sockets_to(port) == 0  # the caller's pool closed every TGI connection
    assert openai_api.requests == []
    assert open_fds() <= fds_before

"""`patch()` / `unpatch()` toggled while other threads call: each call goes wholly one way or the other."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

import openai

import easyllm_shim
from easyllm_shim.testing import TGIServer

from ..conftest import HF_TOKEN, LLAMA
from ..openai_standin import OpenAIStandIn
from ..sdk import OPENAI_KEY

CALLERS = 8
CALLS_PER_CALLER = 40
MESSAGES = [{"role": "user", "content": "Knock knock."}]
ROUTED = "Hello there!"  # what the TGI stand-in answers (the `tgi` fixture's reply)
PASSED_THROUGH = "from openai"  # what the OpenAI stand-in answers


def call_sync(base_url: str) -> list[str | None]:
    with openai.OpenAI(api_key=OPENAI_KEY, base_url=base_url, max_retries=0) as client:
        return [
            client.chat.completions.create(model=LLAMA, messages=MESSAGES).choices[0].message.content  # type: ignore[arg-type]
            for _ in range(CALLS_PER_CALLER)
        ]


def call_async(base_url: str) -> list[str | None]:
    async def calls() -> list[str | None]:
        async with openai.AsyncOpenAI(api_key=OPENAI_KEY, base_url=base_url, max_retries=0) as client:
            return [
                (await client.chat.completions.create(model=LLAMA, messages=MESSAGES)).choices[0].message.content  # type: ignore[arg-type]
                for _ in range(CALLS_PER_CALLER)
            ]

    return asyncio.run(calls())


def test_toggling_patch_while_eight_threads_call_sends_each_call_wholly_one_way(
    tgi: TGIServer, openai_api: OpenAIStandIn, asynchronous: bool
) -> None:
    stop = threading.Event()
    toggles = 0

    def toggle() -> None:
        nonlocal toggles
        while not stop.is_set():
            easyllm_shim.patch(api_base=tgi.url, token=HF_TOKEN)
            stop.wait(0.002)
            easyllm_shim.unpatch()
            stop.wait(0.002)
            toggles += 1

    toggler = threading.Thread(target=toggle)
    toggler.start()
    try:
        with ThreadPoolExecutor(CALLERS) as pool:
            caller = call_async if asynchronous else call_sync
            futures = [pool.submit(caller, openai_api.url) for _ in range(CALLERS)]
            answers = [answer for future in futures for answer in future.result()]  # re-raises any failure
    finally:
        stop.set()
        toggler.join()

    routed, passed = answers.count(ROUTED), answers.count(PASSED_THROUGH)
    assert routed + passed == CALLERS * CALLS_PER_CALLER  # no answer came out of a half-routed call
    assert routed == len([r for r in tgi.requests if r.path == "/generate"])
    assert passed == len(openai_api.requests)
    assert all(seen.json()["model"] == LLAMA for seen in openai_api.requests)
    # Under the race too, neither credential crosses to the other side.
    assert not any(HF_TOKEN in str(seen.headers) for seen in openai_api.requests)
    assert not any(OPENAI_KEY in str(request.headers) for request in tgi.requests)
    assert routed > 0, f"no call was routed ({toggles} toggles)"
    assert passed > 0, f"no call passed through ({toggles} toggles)"

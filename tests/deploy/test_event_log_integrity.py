"""Every managed call writes exactly one event-log line saying how it ended, and the log never breaks a call or
blocks it (issue 15, "Errors users read" and "Configuration")."""

from __future__ import annotations

import asyncio
import gc
import os
from pathlib import Path
from typing import Any

import openai
import pytest

import easyllm_shim
from easyllm_shim.testing import TGIServer

from ..conftest import HF_TOKEN, LLAMA
from ..sdk import OPENAI_KEY
from .conftest import read_log

MESSAGES = [{"role": "user", "content": "Hi"}]
MAPPED = "gpt-3.5-turbo"


@pytest.fixture
def logged(tgi: TGIServer, tmp_path: Path) -> Path:
    log = tmp_path / "events.jsonl"
    easyllm_shim.patch(api_base=tgi.url, token=HF_TOKEN, model_map={MAPPED: LLAMA}, ab_log=log)
    return log


def client(asynchronous: bool) -> Any:
    kind = openai.AsyncOpenAI if asynchronous else openai.OpenAI
    return kind(api_key=OPENAI_KEY, max_retries=0)


def test_an_error_message_with_a_lone_surrogate_is_logged_and_raised_as_the_sdks_error(
    tgi: TGIServer, logged: Path
) -> None:
    tgi.fail_next(
        400, b'{"error":"bad input \\udcff","error_type":"validation"}', headers={"content-type": "application/json"}
    )

    with pytest.raises(openai.BadRequestError):
        client(False).chat.completions.create(model=MAPPED, messages=MESSAGES)

    [event] = read_log(logged)
    assert event["outcome"] == "failed"
    assert event["error"].startswith("BadRequestError")


def test_a_call_cancelled_by_wait_for_writes_a_line(tgi: TGIServer, logged: Path) -> None:
    tgi.stall_next(30)

    async def main() -> None:
        async with client(True) as caller:
            await asyncio.wait_for(caller.chat.completions.create(model=MAPPED, messages=MESSAGES), 0.2)

    with pytest.raises(TimeoutError):
        asyncio.run(main())
    tgi.stop()  # ends the stall

    [event] = read_log(logged)
    assert event["outcome"] == "cancelled"
    assert event["error"] == "CancelledError: the call was cancelled before it ended"


@pytest.mark.parametrize("asynchronous", [False, True])
def test_a_stream_closed_before_its_end_is_logged_as_abandoned_not_as_a_success(
    tgi: TGIServer, logged: Path, asynchronous: bool
) -> None:
    tgi.reply = "one two three four five six"

    def sync() -> None:
        with client(False) as caller:
            stream = caller.chat.completions.create(model=MAPPED, messages=MESSAGES, stream=True)
            next(iter(stream))
            stream.close()

    async def main() -> None:
        async with client(True) as caller:
            stream = await caller.chat.completions.create(model=MAPPED, messages=MESSAGES, stream=True)
            await anext(aiter(stream))
            await stream.close()

    asyncio.run(main()) if asynchronous else sync()
    gc.collect()

    [event] = read_log(logged)
    assert event["outcome"] == "abandoned"
    assert event["error"].startswith("abandoned: the caller stopped reading the stream")


def test_a_stream_read_to_its_end_is_logged_as_completed(logged: Path) -> None:
    with client(False) as caller:
        chunks = list(caller.chat.completions.create(model=MAPPED, messages=MESSAGES, stream=True))
    gc.collect()

    [event] = read_log(logged)
    assert (event["outcome"], event["error"]) == ("completed", None)
    assert chunks


def test_lines_go_to_the_new_file_after_the_log_is_rotated(logged: Path) -> None:
    with client(False) as caller:
        caller.chat.completions.create(model=MAPPED, messages=MESSAGES)
        logged.rename(logged.with_suffix(".1"))
        caller.chat.completions.create(model=MAPPED, messages=MESSAGES)
        caller.chat.completions.create(model=MAPPED, messages=MESSAGES)

    assert len(read_log(logged.with_suffix(".1"))) == 1
    assert len(read_log(logged)) == 2


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_a_log_path_naming_a_fifo_is_refused_at_patch(tgi: TGIServer, tmp_path: Path) -> None:
    fifo = tmp_path / "events.fifo"
    os.mkfifo(fifo)

    with pytest.raises(easyllm_shim.ConfigError, match="not a regular file"):
        easyllm_shim.patch(api_base=tgi.url, token=HF_TOKEN, model_map={MAPPED: LLAMA}, ab_log=fifo)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_a_fifo_put_in_the_logs_place_later_never_blocks_a_call(logged: Path) -> None:
    with client(False) as caller:
        caller.chat.completions.create(model=MAPPED, messages=MESSAGES)
        logged.unlink()
        os.mkfifo(logged)  # no reader: opening it for writing would block

        completion = caller.chat.completions.create(model=MAPPED, messages=MESSAGES)

    assert completion.choices[0].message.content == "Hello there!"

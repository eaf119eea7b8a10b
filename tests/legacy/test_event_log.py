"""openai 0.28: every managed call writes one event-log line saying how it ended, a call cancelled by
`asyncio.wait_for` and a stream dropped before its end included (issue 15, "Errors users read")."""

from __future__ import annotations

import asyncio
import gc
import json
from pathlib import Path
from typing import Any

import pytest

import easyllm_shim
from easyllm_shim.testing import TGIServer

from ..conftest import HF_TOKEN, LLAMA
from ..openai_standin import OpenAIStandIn
from .sdk0 import LegacySDK, openai0

MESSAGES = [{"role": "user", "content": "Hi"}]
MAPPED = "gpt-3.5-turbo"


@pytest.fixture
def logged(tgi: TGIServer, tmp_path: Path, legacy: LegacySDK) -> Path:
    log = tmp_path / "events.jsonl"
    easyllm_shim.patch(api_base=tgi.url, token=HF_TOKEN, model_map={MAPPED: LLAMA}, ab_log=log)
    return log


def read_log(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_a_call_cancelled_by_wait_for_writes_a_line(tgi: TGIServer, logged: Path) -> None:
    tgi.stall_next(30)

    async def main() -> None:
        await asyncio.wait_for(openai0.ChatCompletion.acreate(model=MAPPED, messages=MESSAGES), 0.2)

    with pytest.raises(TimeoutError):
        asyncio.run(main())
    tgi.stop()  # ends the stall

    [event] = read_log(logged)
    assert event["outcome"] == "cancelled"


def test_a_stream_dropped_before_its_end_is_logged_as_abandoned(
    tgi: TGIServer, openai_api: OpenAIStandIn, logged: Path
) -> None:
    tgi.reply = "one two three four five six"

    stream = openai0.ChatCompletion.create(model=MAPPED, messages=MESSAGES, stream=True)
    next(stream)
    stream.close()
    del stream
    gc.collect()

    [event] = read_log(logged)
    assert event["outcome"] == "abandoned"
    assert event["error"].startswith("abandoned: the caller stopped reading the stream")


def test_a_stream_read_to_its_end_is_logged_as_completed(logged: Path, legacy: LegacySDK) -> None:
    assert legacy.stream(model=MAPPED, messages=MESSAGES).chunks

    [event] = read_log(logged)
    assert (event["outcome"], event["error"]) == ("completed", None)

"""A managed call: sent to the model the rules chose, re-issued once on its fallback when that backend fails.

One generator flow holds the logic for both sides; `run_sync` and `run_async` only differ in
awaiting each step (the shape of httpx's `Auth.auth_flow`).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Generator
from typing import Any

from ._observe import NoRecord
from ._rules import Decision

log = logging.getLogger("easyllm_shim")

Step = Callable[[], Any]
Flow = Generator[Step, Any, Any]


def backend_failed(error: Exception) -> bool:
    """What the SDK retries (connection errors, timeouts, 429, 5xx), once its own retries are spent.

    Other errors are the request's own fault and would fail on any model.
    """
    import openai

    if isinstance(error, openai.APIConnectionError):  # APITimeoutError included
        return True
    return isinstance(error, openai.APIStatusError) and (error.status_code == 429 or error.status_code >= 500)


def flow(
    send: Callable[[str], Any],
    decision: Decision,
    record: NoRecord,
    failed: Callable[[Exception], bool] = backend_failed,
) -> Flow:
    """Yields `send(model)` steps; the driver hands back each result or throws its exception in.
    `failed` says which exceptions are the backend's failure (openai 0.28 has its own classes)."""
    try:
        result = yield functools.partial(send, decision.model)
    except Exception as error:
        fallback = decision.fallback
        if fallback is None or not failed(error):
            record.failed(error)
            raise
        log.warning("%s failed (%s); re-issuing the call on %s", decision.model, type(error).__name__, fallback)
        record.falling_back(fallback, error)
        try:
            result = yield functools.partial(send, fallback)
        except Exception as final:
            record.failed(final)
            raise
    return record.succeeded(result)


def run_sync(steps: Flow) -> Any:
    resume: Callable[[Any], Step] = steps.send
    value: Any = None
    while True:
        try:
            step = resume(value)
        except StopIteration as done:
            return done.value
        try:
            resume, value = steps.send, step()
        except Exception as error:
            resume, value = steps.throw, error


async def run_async(steps: Flow) -> Any:
    resume: Callable[[Any], Step] = steps.send
    value: Any = None
    while True:
        try:
            step = resume(value)
        except StopIteration as done:
            return done.value
        try:
            resume, value = steps.send, await step()
        except Exception as error:
            resume, value = steps.throw, error

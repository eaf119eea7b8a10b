"""A managed call: sent to the model the rules chose, re-issued once on its fallback when that model's server fails."""

from __future__ import annotations

import logging
from collections.abc import Callable, Generator
from typing import Any

from .._telemetry.record import CallRecord
from .rules import Decision

log = logging.getLogger("easyllm_shim")


def managed(
    decision: Decision, record: CallRecord | None, failed: Callable[[Exception], bool]
) -> Generator[str, Any, Any]:
    """Yields the model to send the call to; the driver hands back the result or throws the call's exception in.
    `failed` says which exceptions are the server's failure, for which the fallback is tried. A call that
    ends otherwise (cancelled by `asyncio.wait_for`, interrupted: the driver closes the flow) is recorded too."""
    try:
        try:
            result = yield decision.model
        except Exception as error:
            fallback = decision.fallback
            if fallback is None or not failed(error):
                if record is not None:
                    record.failed(error)
                raise
            log.warning("%s failed (%s); re-issuing the call on %s", decision.model, _described(error), fallback)
            if record is not None:
                record.falling_back(fallback, error)
            try:
                result = yield fallback
            except Exception as final:
                if record is not None:
                    record.failed(final)
                raise
    except GeneratorExit:
        if record is not None:
            record.cancelled()
        raise
    return result if record is None else record.succeeded(result)


def _described(error: Exception) -> str:
    """The error's type and message, and its cause's: the SDK's `APIConnectionError` says only "Connection error.",
    its cause names the server and the model."""
    cause = f" ({error.__cause__})" if error.__cause__ is not None else ""
    return f"{type(error).__name__}: {error}{cause}"

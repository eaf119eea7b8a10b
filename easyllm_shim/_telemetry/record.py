"""What the event log records about one managed call: timing, tokens, errors, fallback.

Streams are measured without replacing the object the caller gets: the genuine `openai.Stream` /
`AsyncStream` keeps its identity, context manager, `.response` and `.stream()` helper, and only its
private `_iterator` is wrapped (as sentry and langfuse do), so the record sees each chunk as the
caller reads it. openai 0.28's streams are plain (async) generators, so they are wrapped in one.
A stream the caller closes or drops before its end is recorded as abandoned (when its iterator is
closed or garbage-collected), a call cancelled before its answer as cancelled: every call, one line.
"""

from __future__ import annotations

import functools
import time
import types
import weakref
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import datetime, timezone
from typing import Any

from .events import error_text, event_log
from .provider import failovers, replica, served_by


class CallRecord:
    """The event-log line of one managed call: `arm` is the model the rules chose for `requested`, and
    `experiment` the A/B experiment that chose it, if any. `secrets` are redacted from error texts."""

    def __init__(
        self,
        log_path: str,
        requested: str,
        arm: str,
        experiment: str | None,
        routes: Callable[[str], bool],
        secrets: tuple[str | None, ...],
    ) -> None:
        self._log = event_log(log_path)
        self._requested = requested
        self._arm = arm
        self._experiment = experiment
        self._routes = routes
        self._secrets = secrets
        self._time = time.time()
        self._started = time.perf_counter()
        self._served = arm
        self._provider: str | None = None
        self._replica: str | None = None
        self._failovers = 0  # of the model fallen back from, if the call fell back
        self._fallback_reason: str | None = None
        self._stream = False
        self._ttft: float | None = None
        self._content_chunks = 0
        self._usage: Any = None
        self._written = False
        served_by.set(None)  # what an earlier call in this thread or task noted is not this call's
        replica.set(None)
        failovers.set(0)

    def falling_back(self, model: str, error: Exception) -> None:
        self._served = model
        self._fallback_reason = error_text(error, self._secrets)
        self._failovers = failovers.get()
        served_by.set(None)
        replica.set(None)
        failovers.set(0)

    def failed(self, error: Exception) -> None:
        self._provider = served_by.get()
        self._replica = replica.get()
        self._failovers += failovers.get()
        self._finish(error)

    def cancelled(self, error: BaseException | None = None) -> None:
        """The call ended before its answer: cancelled (`asyncio.wait_for`, a task's `cancel()`) or interrupted."""
        self._provider = self._provider or served_by.get()
        name = "CancelledError" if error is None else type(error).__name__
        self._finish(None, "cancelled", f"{name}: the call was cancelled before it ended")

    def _abandoned(self) -> None:
        chunks = self._content_chunks
        self._finish(None, "abandoned", f"abandoned: the caller stopped reading the stream after {chunks} chunks")

    def succeeded(self, result: Any) -> Any:
        self._provider = served_by.get()  # a stream's headers came before the stream was returned
        self._replica = replica.get()
        self._failovers += failovers.get()
        if isinstance(result, types.GeneratorType | types.AsyncGeneratorType):  # openai 0.28's streams
            self._stream = True
            observed = self._aobserve(result) if isinstance(result, types.AsyncGeneratorType) else self._observe(result)
            weakref.finalize(observed, self._abandoned)
            return observed
        streams = _sdk_streams()
        iterator = getattr(result, "_iterator", None)
        if streams and isinstance(result, streams) and iterator is not None:
            self._stream = True
            stream: Any = result
            stream._iterator = self._aobserve(iterator) if isinstance(stream, streams[1]) else self._observe(iterator)
            weakref.finalize(stream, self._abandoned)
            return stream
        # ChatCompletion and ParsedChatCompletion carry usage; raw responses are logged without tokens.
        self._usage = getattr(result, "usage", None)
        self._finish(None)
        return result

    def _observe(self, chunks: Iterator[Any]) -> Iterator[Any]:
        try:
            yield from map(self._seen, chunks)
        except Exception as error:
            self._finish(error)
            raise
        except BaseException as error:
            self._ended_early(error)
            raise
        self._finish(None)

    async def _aobserve(self, chunks: AsyncIterator[Any]) -> AsyncIterator[Any]:
        try:
            async for chunk in chunks:
                yield self._seen(chunk)
        except Exception as error:
            self._finish(error)
            raise
        except BaseException as error:
            self._ended_early(error)
            raise
        self._finish(None)

    def _ended_early(self, error: BaseException) -> None:
        # GeneratorExit: the stream was closed or dropped before its end; otherwise a cancellation.
        if isinstance(error, GeneratorExit):
            self._abandoned()
        else:
            self.cancelled(error)

    def _seen(self, chunk: Any) -> Any:
        # Runs inside the caller's iteration, so it only reads attributes and never raises.
        usage = getattr(chunk, "usage", None)
        if usage is not None:  # `stream_options={"include_usage": True}`
            self._usage = usage
        if any(_has_content(choice) for choice in getattr(chunk, "choices", None) or ()):
            self._content_chunks += 1
            if self._ttft is None:
                self._ttft = time.perf_counter() - self._started
        return chunk

    def _finish(self, error: BaseException | None, outcome: str | None = None, why: str | None = None) -> None:
        if self._written:  # a stream ends once, but both its iterator and its finalizer may report it
            return
        self._written = True
        usage = self._usage
        completion_tokens = _tokens(usage, "completion_tokens", "output_tokens")
        if completion_tokens is None and self._stream:
            completion_tokens = self._content_chunks  # about one token per chunk, on OpenAI and on TGI
        self._log.write(
            {
                "time": datetime.fromtimestamp(self._time, timezone.utc).isoformat(timespec="milliseconds"),
                "experiment": self._experiment,
                "requested": self._requested,
                "arm": self._arm,
                "served": self._served,
                "backend": "tgi" if self._routes(self._served) else "openai",
                "provider": self._provider,
                "replica": self._replica,
                "failovers": self._failovers,
                "stream": self._stream,
                "latency_s": round(time.perf_counter() - self._started, 6),
                "ttft_s": None if self._ttft is None else round(self._ttft, 6),
                "prompt_tokens": _tokens(usage, "prompt_tokens", "input_tokens"),
                "completion_tokens": completion_tokens,
                "outcome": outcome or ("completed" if error is None else "failed"),
                "error": why if error is None else error_text(error, self._secrets),
                "fallback": self._fallback_reason is not None,
                "fallback_reason": self._fallback_reason,
            }
        )


@functools.cache
def _sdk_streams() -> tuple[type, ...]:
    """openai >= 1's `Stream` and `AsyncStream`; none on 0.28, whose streams are generators."""
    try:
        from openai import AsyncStream, Stream
    except ImportError:
        return ()
    return (Stream, AsyncStream)


def _has_content(choice: Any) -> bool:
    """A chat chunk's delta (or a text completion chunk) carries text."""
    return bool(getattr(getattr(choice, "delta", None), "content", None) or getattr(choice, "text", None))


def _tokens(usage: Any, *names: str) -> int | None:
    """Chat and completions name usage `prompt_tokens`/`completion_tokens`; the Responses API `input_`/`output_`."""
    for name in names:
        value = getattr(usage, name, None)
        if isinstance(value, int):
            return value
    return None

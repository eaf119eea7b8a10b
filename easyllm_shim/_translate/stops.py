"""OpenAI stop semantics on top of TGI's: the stop text is never part of the answer.

TGI includes a matched stop sequence in its output, misses one that ends mid-token (it only matches
at the end of the text so far), and accepts only `max_stop_sequences` of them (its `/info` says how
many, 4 by default), so the shim always cuts client-side too.
"""

from __future__ import annotations

from collections.abc import Sequence


def cut_at_stop(text: str, stops: Sequence[str]) -> tuple[str, bool]:
    """`text` up to the earliest stop string, and whether one was found."""
    end = -1
    for stop in stops:
        found = text.find(stop)
        if found != -1 and (end == -1 or found < end):
            end = found
    return (text, False) if end == -1 else (text[:end], True)


class StopScanner:
    """Streaming counterpart of `cut_at_stop`: holds back only the tail that could still begin a stop string."""

    __slots__ = ("_pending", "_stops", "stopped")

    def __init__(self, stops: Sequence[str]) -> None:
        self._stops = tuple(stops)
        self._pending = ""
        self.stopped = False

    def push(self, text: str) -> str:
        """Text that is safe to emit now. Sets `stopped` once a stop string is complete."""
        if not self._stops:
            return text
        buffer = self._pending + text
        head, self.stopped = cut_at_stop(buffer, self._stops)
        if self.stopped:
            self._pending = ""
            return head
        keep = self._longest_partial_stop(buffer)
        self._pending = buffer[len(buffer) - keep :] if keep else ""
        return buffer[: len(buffer) - keep] if keep else buffer

    def flush(self) -> str:
        """The held-back tail, once the stream ended without completing a stop string."""
        pending, self._pending = self._pending, ""
        return pending

    def _longest_partial_stop(self, buffer: str) -> int:
        longest = 0
        for stop in self._stops:
            for size in range(min(len(stop) - 1, len(buffer)), longest, -1):
                if buffer.endswith(stop[:size]):
                    longest = size
                    break
        return longest

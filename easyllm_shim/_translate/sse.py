"""Incremental server-sent-events decoding, tolerant of every framing TGI and proxies produce."""

from __future__ import annotations

# The most one line, and one event, of a server's stream may take (docs/backends.md, "Servers that
# misbehave"). TGI's largest event is its final one, which repeats the whole generated text: a few
# hundred kB for the longest contexts served today.
MAX_EVENT_BYTES = MAX_LINE_BYTES = 8 * 2**20


class SSEError(ValueError):
    """The stream is not one a server answers with: a line or an event past its cap."""


class SSEDecoder:
    """Feed bytes as they arrive; get back the `data` payload of each completed event.

    Accepts `data:` with or without the space (TGI < 2.1 wrote none), `\\r\\n` line endings,
    `:` keep-alive comments and events split across reads. Other fields (`event:`, `id:`,
    `retry:`) are ignored: TGI sends none. Each byte is copied a bounded number of times, however
    the reads cut the lines: the start of a line is held in pieces and joined once, when its end arrives.
    """

    __slots__ = ("_data", "_held", "_max", "_pending", "_size")

    def __init__(self, max_bytes: int = MAX_EVENT_BYTES) -> None:
        self._max = max_bytes  # of a line, and of an event
        self._pending: list[bytes] = []  # the start of an unfinished line, as it arrived
        self._held = 0  # its length
        self._data: list[bytes] = []  # the data lines of the event so far
        self._size = 0  # their length

    def feed(self, chunk: bytes) -> list[bytes]:
        if self._pending:
            if b"\n" not in chunk:
                self._hold(chunk)
                return []
            self._pending.append(chunk)
            chunk = b"".join(self._pending)
            self._pending, self._held = [], 0
        lines = chunk.split(b"\n")
        if rest := lines.pop():
            self._hold(rest)
        events: list[bytes] = []
        for line in lines:
            if line.endswith(b"\r"):
                line = line[:-1]
            if not line:
                if self._data:
                    events.append(self._data[0] if len(self._data) == 1 else b"\n".join(self._data))
                    self._data, self._size = [], 0
            elif line.startswith(b"data:"):
                self._size += len(line)
                if self._size > self._max:
                    raise SSEError(f"the server sent an event larger than {self._max} bytes")
                self._data.append(line[6:] if line[5:6] == b" " else line[5:])
        return events

    def _hold(self, piece: bytes) -> None:
        self._pending.append(piece)
        self._held += len(piece)
        if self._held > self._max:
            raise SSEError(f"the server sent an event stream line larger than {self._max} bytes")

    def flush(self) -> list[bytes]:
        """End of stream: an event left without its blank line still counts (lenient to servers that omit it)."""
        events = self.feed(b"\n\n") if self._pending or self._data else []
        self._pending, self._held = [], 0
        return events

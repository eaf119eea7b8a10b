"""Incremental server-sent-events decoding, tolerant of every framing TGI and proxies produce."""

from __future__ import annotations


class SSEDecoder:
    """Feed bytes as they arrive; get back the `data` payload of each completed event.

    Accepts `data:` with or without the space (TGI < 2.1 wrote none), `\\r\\n` line endings,
    `:` keep-alive comments and events split across reads. Other fields (`event:`, `id:`,
    `retry:`) are ignored: TGI sends none.
    """

    __slots__ = ("_data", "_partial")

    def __init__(self) -> None:
        self._partial = b""
        self._data: list[bytes] = []

    def feed(self, chunk: bytes) -> list[bytes]:
        lines = (self._partial + chunk).split(b"\n") if self._partial else chunk.split(b"\n")
        self._partial = lines.pop()
        events: list[bytes] = []
        for line in lines:
            if line.endswith(b"\r"):
                line = line[:-1]
            if not line:
                if self._data:
                    events.append(self._data[0] if len(self._data) == 1 else b"\n".join(self._data))
                    self._data = []
            elif line.startswith(b"data:"):
                self._data.append(line[6:] if line[5:6] == b" " else line[5:])
        return events

    def flush(self) -> list[bytes]:
        """End of stream: an event left without its blank line still counts (lenient to servers that omit it)."""
        events = self.feed(b"\n\n") if self._partial or self._data else []
        self._partial = b""
        return events

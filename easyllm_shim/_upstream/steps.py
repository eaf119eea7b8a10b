"""The I/O steps a protocol asks of its driver, and what a call ends with.

A protocol's flow yields a step and receives its result:

| step            | the driver                                          | sends back                |
|-----------------|-----------------------------------------------------|---------------------------|
| `Send(requests)`| sends them at once, reads each answer whole          | `list[Answer]`, in order  |
| `Open(requests)`| sends them at once, keeps each response open         | `list[Head]`, in order    |
| `Read(i)`       | reads more of open response `i`                      | `bytes`, `b""` at its end |
| `ReadAll(i)`    | reads the rest of open response `i`, closes it       | `bytes`                   |
| `Close()`       | closes every open response of the call (idempotent)  | `None`                    |
| `CloseOne(i)`   | closes open response `i` (idempotent)                | `None`                    |

A flow returns a `Reply` (an OpenAI-format answer, success or error) or a `Streaming`, whose
`relay` flow yields the OpenAI bytes of the stream, with `Read` and close steps between them.
A transport failure is the driver's to raise, as the SDK's own exception.
"""

from __future__ import annotations

from collections.abc import Generator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .._translate.generation import Answer as Answer  # one answer as the driver received it: status, headers, body

Headers = list[tuple[bytes, bytes]]
Head = tuple[int, Headers]  # an opened response: status and raw headers


@dataclass(frozen=True, slots=True)
class Request:
    """One HTTP request to a Hugging Face server. `headers` is shared by every call to one endpoint."""

    method: str
    url: str
    headers: Mapping[str, str]
    body: bytes = b""


@dataclass(frozen=True, slots=True)
class Send:
    requests: Sequence[Request]


@dataclass(frozen=True, slots=True)
class Open:
    requests: Sequence[Request]


@dataclass(frozen=True, slots=True)
class Read:
    stream: int  # the position of the response in the call's `Open`


@dataclass(frozen=True, slots=True)
class ReadAll:
    stream: int


@dataclass(frozen=True, slots=True)
class Close:
    pass


@dataclass(frozen=True, slots=True)
class CloseOne:
    stream: int


Step = Send | Open | Read | ReadAll | Close | CloseOne
# Built once: a stream asks for one `Read` per chunk.
READS = tuple(Read(index) for index in range(128))
CLOSE = Close()


def read(index: int) -> Read:
    return READS[index] if index < len(READS) else Read(index)


@dataclass(frozen=True, slots=True)
class Reply:
    """An OpenAI-format HTTP answer for the SDK."""

    status: int
    headers: Headers
    content: bytes


@dataclass(frozen=True, slots=True)
class Streaming:
    """A stream that started: its headers, and the flow that relays the rest (`relay` in `_flows`)."""

    headers: Headers
    relay: Generator[bytes | Step, Any, None]


Flow = Generator[Step, Any, Reply | Streaming]

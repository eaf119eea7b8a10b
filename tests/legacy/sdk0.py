"""One scenario through openai 0.28's `create` or `acreate` (`ChatCompletion` unless told): each test written once."""

from __future__ import annotations

import asyncio
import importlib
from dataclasses import dataclass
from typing import Any

# openai 0.28, typed `Any`: mypy runs against openai >= 1, which has no `ChatCompletion`.
openai0: Any = importlib.import_module("openai")
OPENAI_KEY = "sk-test-openai-key-never-for-hf"


@dataclass(frozen=True)
class Streamed:
    stream: Any  # what `create(stream=True)` returned
    chunks: list[Any]
    error: BaseException | None = None  # raised during iteration, after `chunks`

    @property
    def content(self) -> str:
        return "".join(chunk.choices[0].delta.get("content", "") for chunk in self.chunks if chunk.choices)


class LegacySDK:
    def __init__(self, asynchronous: bool) -> None:
        self.asynchronous = asynchronous

    def create(self, resource: str = "ChatCompletion", /, **kwargs: Any) -> Any:
        api = getattr(openai0, resource)
        if self.asynchronous:
            return asyncio.run(api.acreate(**kwargs))
        return api.create(**kwargs)

    def stream(self, resource: str = "ChatCompletion", /, **kwargs: Any) -> Streamed:
        """All chunks; an exception raised while iterating is re-raised."""
        streamed = self.stream_until_error(resource, **kwargs)
        if streamed.error is not None:
            raise streamed.error
        return streamed

    def stream_until_error(self, resource: str = "ChatCompletion", /, **kwargs: Any) -> Streamed:
        """The chunks received before an exception raised while iterating, and that exception."""
        api = getattr(openai0, resource)
        if not self.asynchronous:
            stream = api.create(stream=True, **kwargs)
            chunks: list[Any] = []
            try:
                chunks.extend(stream)
            except Exception as error:
                return Streamed(stream, chunks, error)
            return Streamed(stream, chunks)

        async def main() -> Streamed:
            stream = await api.acreate(stream=True, **kwargs)
            chunks: list[Any] = []
            try:
                async for chunk in stream:
                    chunks.append(chunk)
            except Exception as error:
                return Streamed(stream, chunks, error)
            return Streamed(stream, chunks)

        return asyncio.run(main())

    def first_chunk_then_abandon(self, **kwargs: Any) -> Any:
        """Read one chunk and drop the stream, as `break` in a loop does."""
        if not self.asynchronous:
            stream = openai0.ChatCompletion.create(stream=True, **kwargs)
            first = next(stream)
            stream.close()
            return first

        async def main() -> Any:
            stream = await openai0.ChatCompletion.acreate(stream=True, **kwargs)
            first = await anext(stream)
            await stream.aclose()
            return first

        return asyncio.run(main())

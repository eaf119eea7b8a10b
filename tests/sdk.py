"""One scenario, run on the sync or the async openai client: each test is written once."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import openai

OPENAI_KEY = "sk-test-openai-key-never-for-hf"

# The exception the openai SDK raises for an error status (one it has no class for is an APIStatusError).
# openai 0.28 (whose conftest imports this module too) has none of these classes.
STATUS_ERRORS: list[tuple[int, type[openai.APIStatusError]]] = (
    []
    if not hasattr(openai, "OpenAI")
    else [
        (400, openai.BadRequestError),
        (401, openai.AuthenticationError),
        (403, openai.PermissionDeniedError),
        (404, openai.NotFoundError),
        (422, openai.UnprocessableEntityError),
        (429, openai.RateLimitError),
        (424, openai.APIStatusError),
        (500, openai.InternalServerError),
        (503, openai.InternalServerError),
    ]
)


@dataclass(frozen=True)
class Streamed:
    stream: Any
    chunks: list[Any]


def _completions(client: Any) -> Any:
    # `.parse()`/`.stream()` live under `beta` before openai 1.92.
    completions = client.chat.completions
    return completions if hasattr(completions, "parse") else client.beta.chat.completions


class SDK:
    def __init__(self, asynchronous: bool, base_url: str, **options: Any) -> None:
        self.asynchronous = asynchronous
        self.options: dict[str, Any] = {"base_url": base_url, "api_key": OPENAI_KEY, **options}
        self._sync = None if asynchronous else openai.OpenAI(**self.options)

    def close(self) -> None:
        if self._sync is not None:
            self._sync.close()

    def run(self, sync: Callable[[Any], Any], asynchronous: Callable[[Any], Any]) -> Any:
        if self._sync is not None:
            return sync(self._sync)

        async def main() -> Any:
            async with openai.AsyncOpenAI(**self.options) as client:
                return await asynchronous(client)

        return asyncio.run(main())

    def create(self, **kwargs: Any) -> Any:
        return self.run(lambda c: c.chat.completions.create(**kwargs), lambda c: c.chat.completions.create(**kwargs))

    def stream(self, **kwargs: Any) -> Streamed:
        def sync(client: Any) -> Streamed:
            with client.chat.completions.create(stream=True, **kwargs) as stream:
                return Streamed(stream, list(stream))

        async def asynchronous(client: Any) -> Streamed:
            async with await client.chat.completions.create(stream=True, **kwargs) as stream:
                return Streamed(stream, [chunk async for chunk in stream])

        return self.run(sync, asynchronous)  # type: ignore[no-any-return]

    def raw(self, **kwargs: Any) -> tuple[Any, Any]:
        def parse(response: Any) -> tuple[Any, Any]:
            return response, response.parse()

        async def asynchronous(client: Any) -> tuple[Any, Any]:
            return parse(await client.chat.completions.with_raw_response.create(**kwargs))

        return self.run(lambda c: parse(c.chat.completions.with_raw_response.create(**kwargs)), asynchronous)  # type: ignore[no-any-return]

    def streaming_response(self, **kwargs: Any) -> tuple[Any, Any]:
        def sync(client: Any) -> tuple[Any, Any]:
            with client.chat.completions.with_streaming_response.create(**kwargs) as response:
                return response, response.parse()

        async def asynchronous(client: Any) -> tuple[Any, Any]:
            async with client.chat.completions.with_streaming_response.create(**kwargs) as response:
                return response, await response.parse()

        return self.run(sync, asynchronous)  # type: ignore[no-any-return]

    def parse(self, **kwargs: Any) -> Any:
        return self.run(lambda c: _completions(c).parse(**kwargs), lambda c: _completions(c).parse(**kwargs))

    def stream_helper(self, **kwargs: Any) -> tuple[list[Any], Any]:
        def sync(client: Any) -> tuple[list[Any], Any]:
            with _completions(client).stream(**kwargs) as stream:
                return list(stream), stream.get_final_completion()

        async def asynchronous(client: Any) -> tuple[list[Any], Any]:
            async with _completions(client).stream(**kwargs) as stream:
                return [event async for event in stream], await stream.get_final_completion()

        return self.run(sync, asynchronous)  # type: ignore[no-any-return]

"""Sans-I/O flows: a generator says what to do next, a driver does it and sends back the result.

The shape of httpx's `Auth.auth_flow`: the logic of a call is written once, as a generator; the
drivers below differ only in awaiting each step, and the I/O itself is the `do` they are given.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Iterator
from typing import Any, TypeVar

S = TypeVar("S")
R = TypeVar("R")


def drive(flow: Generator[S, Any, R], do: Callable[[S], Any]) -> R:
    """Run `flow` to its end: `do` carries out each step; its result is sent back, its exception thrown in."""
    resume: Callable[[Any], S] = flow.send
    value: Any = None
    while True:
        try:
            step = resume(value)
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]
        try:
            resume, value = flow.send, do(step)
        except Exception as error:
            resume, value = flow.throw, error
        except BaseException:  # cancelled or interrupted: the flow ends here, and knows it
            flow.close()
            raise


async def adrive(flow: Generator[S, Any, R], do: Callable[[S], Awaitable[Any]]) -> R:
    resume: Callable[[Any], S] = flow.send
    value: Any = None
    while True:
        try:
            step = resume(value)
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]
        try:
            resume, value = flow.send, await do(step)
        except Exception as error:
            resume, value = flow.throw, error
        except BaseException:  # asyncio's CancelledError (`wait_for`), KeyboardInterrupt: the flow ends here
            flow.close()
            raise


# A stream's flow yields the bytes its reader gets, and between them the steps that fetch more.
# `failure` says what a failure of `do` is raised as (the reader's own exceptions), if not as it is.
Failure = Callable[[Exception], Exception]


def relay(flow: Generator[Any, Any, None], do: Callable[[Any], Any], failure: Failure | None = None) -> Iterator[bytes]:
    value = None
    while True:
        try:
            item = flow.send(value)
        except StopIteration:
            return
        if item.__class__ is bytes:
            value = None
            yield item
            continue
        try:
            value = do(item)
        except Exception as error:
            if failure is None or (raised := failure(error)) is error:
                raise
            raise raised from error


async def arelay(
    flow: Generator[Any, Any, None], do: Callable[[Any], Awaitable[Any]], failure: Failure | None = None
) -> AsyncIterator[bytes]:
    value = None
    while True:
        try:
            item = flow.send(value)
        except StopIteration:
            return
        if item.__class__ is bytes:
            value = None
            yield item
            continue
        try:
            value = await do(item)
        except Exception as error:
            if failure is None or (raised := failure(error)) is error:
                raise
            raise raised from error

"""pytest fixtures for the TGI and OpenAI-compatible stand-ins (registered as the ``easyllm_shim`` pytest11 plugin)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import pytest

from .loopback import LoopbackServer
from .openai_compatible import OpenAICompatibleServer
from .tgi import TGIServer

__all__ = ["openai_server", "openai_server_factory", "tgi_server", "tgi_server_factory"]


_Server = TypeVar("_Server", bound=LoopbackServer)


def _started(server_class: Callable[..., _Server]) -> Iterator[_Server]:
    with server_class() as server:
        yield server


def _factory(server_class: Callable[..., _Server]) -> Iterator[Callable[..., _Server]]:
    servers: list[_Server] = []

    def start(*args: Any, **kwargs: Any) -> _Server:
        server = server_class(*args, **kwargs).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def tgi_server() -> Iterator[TGIServer]:
    """A started ``TGIServer`` with the default settings, stopped after the test."""
    yield from _started(TGIServer)


@pytest.fixture
def tgi_server_factory() -> Iterator[Callable[..., TGIServer]]:
    """Call with ``TGIServer``'s arguments to get a started server; all are stopped after the test."""
    yield from _factory(TGIServer)


@pytest.fixture
def openai_server() -> Iterator[OpenAICompatibleServer]:
    """A started ``OpenAICompatibleServer`` with the default settings, stopped after the test."""
    yield from _started(OpenAICompatibleServer)


@pytest.fixture
def openai_server_factory() -> Iterator[Callable[..., OpenAICompatibleServer]]:
    """Call with ``OpenAICompatibleServer``'s arguments to get a started server; all are stopped after the test."""
    yield from _factory(OpenAICompatibleServer)

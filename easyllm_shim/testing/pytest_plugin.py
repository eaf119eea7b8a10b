"""pytest fixtures for the TGI stand-in (registered as the ``easyllm_shim`` pytest11 plugin)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from ._server import TGIServer

__all__ = ["tgi_server", "tgi_server_factory"]


@pytest.fixture
def tgi_server() -> Iterator[TGIServer]:
    """A started ``TGIServer`` with the default settings, stopped after the test."""
    with TGIServer() as server:
        yield server


@pytest.fixture
def tgi_server_factory() -> Iterator[Callable[..., TGIServer]]:
    """Call with ``TGIServer``'s arguments to get a started server; all are stopped after the test."""
    servers: list[TGIServer] = []

    def start(*args: Any, **kwargs: Any) -> TGIServer:
        server = TGIServer(*args, **kwargs).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()

"""pytest fixtures for the TGI and OpenAI-compatible stand-ins (registered as the ``easyllm_shim`` pytest11 plugin).

Each stand-in gets two: ``<name>``, a server started with the defaults, and ``<name>_factory``, which
starts one per call with the server's arguments; every server is stopped after the test.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import pytest

from .loopback import LoopbackServer
from .openai_compatible import OpenAICompatibleServer
from .tgi import TGIServer

__all__ = ["openai_server", "openai_server_factory", "tgi_server", "tgi_server_factory"]

_Server = TypeVar("_Server", bound=LoopbackServer)


def _fixtures(server_class: type[_Server], name: str) -> tuple[object, object]:
    """The fixtures ``name`` and ``name + "_factory"`` for one stand-in class."""
    title = server_class.__name__
    # The stand-ins' constructors take their own arguments, not LoopbackServer's.
    make: Callable[..., _Server] = server_class

    def started() -> Iterator[_Server]:
        with make() as server:
            yield server

    def factory() -> Iterator[Callable[..., _Server]]:
        servers: list[_Server] = []

        def start(*args: Any, **kwargs: Any) -> _Server:
            server = make(*args, **kwargs).start()
            servers.append(server)
            return server

        yield start
        for server in servers:
            server.stop()

    started.__doc__ = f"A started ``{title}`` with the default settings, stopped after the test."
    factory.__doc__ = f"Call with ``{title}``'s arguments to get a started server; all are stopped after the test."
    return pytest.fixture(name=name)(started), pytest.fixture(name=f"{name}_factory")(factory)


tgi_server, tgi_server_factory = _fixtures(TGIServer, "tgi_server")
openai_server, openai_server_factory = _fixtures(OpenAICompatibleServer, "openai_server")

"""Examples run against HUGGINGFACE_API_BASE when it is set, else against a local TGI-protocol server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def tgi_endpoint(reply: str | None = None) -> Iterator[str]:
    if os.environ.get("HUGGINGFACE_API_BASE"):
        yield os.environ["HUGGINGFACE_API_BASE"]
        return
    from easyllm_shim.testing import TGIServer

    with TGIServer(reply=reply) as server:
        os.environ["HUGGINGFACE_API_BASE"] = server.url
        yield server.url

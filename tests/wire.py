"""What reached a server, as the tests of every openai generation read it, and an address none listens on."""

from __future__ import annotations

import socket
from collections.abc import Mapping, Sequence

from easyllm_shim.testing import RecordedRequest, TGIServer


def refused_url() -> str:
    """A loopback URL whose port nothing listens on: connections to it are refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def every_header_value(requests: Sequence[RecordedRequest]) -> str:
    return "\n".join(f"{name}: {value}" for request in requests for name, value in request.headers.items())


def generate_calls(server: TGIServer) -> list[RecordedRequest]:
    return [r for r in server.requests if r.path in ("/generate", "/generate_stream")]


def assert_only_hugging_face_headers_forwarded(
    server: TGIServer, forwarded: Mapping[str, str], kept_back: Sequence[str], secret: str
) -> None:
    """Each generation request carries `forwarded` and none of `kept_back`, the SDK's own, or `secret`."""
    requests = generate_calls(server)
    assert requests
    for request in requests:
        assert {name: request.headers.get(name) for name in forwarded} == forwarded
        assert not {name.lower() for name in kept_back} & set(request.headers)
        assert not any(name.startswith("x-stainless-") for name in request.headers)
        assert secret not in every_header_value([request])

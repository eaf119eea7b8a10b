"""The HTTP layer: keep-alive, request bodies, recording, concurrency, pacing and a clean stop."""

from __future__ import annotations

import http.client
import json
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlsplit

import httpx2 as httpx
import pytest

from easyllm_shim.testing import TGIServer

GENERATE = {"inputs": "Hello", "parameters": {"max_new_tokens": 3}}
JSON = {"content-type": "application/json"}


def host_port(server: TGIServer) -> tuple[str, int]:
    address = urlsplit(server.url)
    assert address.hostname is not None
    assert address.port is not None
    return address.hostname, address.port


def connection(server: TGIServer) -> http.client.HTTPConnection:
    return http.client.HTTPConnection(*host_port(server), timeout=30)


def exchange(conn: http.client.HTTPConnection, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
    conn.request(method, path, body=body, headers=JSON if body is not None else {})
    response = conn.getresponse()
    return response.status, response.read()


def test_keep_alive_serves_many_requests_on_one_connection(tgi_server: TGIServer) -> None:
    conn = connection(tgi_server)
    try:
        statuses = [exchange(conn, "POST", "/generate", json.dumps(GENERATE).encode())[0]]
        sock = conn.sock
        statuses.append(exchange(conn, "POST", "/generate", b"{broken")[0])  # a refusal keeps the connection
        statuses.append(exchange(conn, "POST", "/generate_stream", json.dumps(GENERATE).encode())[0])
        statuses.append(exchange(conn, "GET", "/info")[0])
        assert conn.sock is sock
    finally:
        conn.close()
    assert statuses == [200, 400, 200, 200]


def test_chunked_request_bodies_are_read(tgi_server: TGIServer) -> None:
    conn = connection(tgi_server)
    try:
        parts = iter([b'{"inputs":', b'"Hello"}'])
        conn.request("POST", "/tokenize", body=parts, headers=JSON, encode_chunked=True)
        response = conn.getresponse()
        assert (response.status, len(json.loads(response.read()))) == (200, 2)
    finally:
        conn.close()
    assert tgi_server.requests[-1].body == b'{"inputs":"Hello"}'


def test_a_bad_content_length_is_a_400(tgi_server: TGIServer) -> None:
    with socket.create_connection(host_port(tgi_server), timeout=30) as sock:
        sock.sendall(b"POST /generate HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n")
        assert sock.recv(100).startswith(b"HTTP/1.1 400")


def test_requests_are_recorded_in_order(tgi_server: TGIServer, client: httpx.Client) -> None:
    client.get("/info?verbose=1", headers={"X-Trace": "abc"})
    client.post("/generate", json=GENERATE)
    first, second = tgi_server.requests
    assert (first.method, first.path, first.headers["x-trace"], first.body) == ("GET", "/info?verbose=1", "abc", b"")
    assert all(name == name.lower() for name in first.headers)
    assert (second.method, second.path, second.json()) == ("POST", "/generate", GENERATE)
    tgi_server.clear_requests()
    assert tgi_server.requests == []


def test_refused_and_failed_requests_are_recorded_too(tgi_server: TGIServer, client: httpx.Client) -> None:
    tgi_server.fail_next(500)
    client.post("/generate", json=GENERATE)
    client.post("/nowhere", json={})
    assert [r.path for r in tgi_server.requests] == ["/generate", "/nowhere"]


def test_fifty_parallel_requests(tgi_server: TGIServer) -> None:
    def one(index: int) -> int:
        with httpx.Client(base_url=tgi_server.url, timeout=30) as client:
            route = "/generate_stream" if index % 2 else "/generate"
            status: int = client.post(route, json={"inputs": f"request {index}"}).status_code
            return status

    with ThreadPoolExecutor(max_workers=50) as pool:
        statuses = list(pool.map(one, range(50)))
    assert statuses == [200] * 50
    assert sorted(r.json()["inputs"] for r in tgi_server.requests) == sorted(f"request {i}" for i in range(50))


def test_a_shared_client_in_many_threads(tgi_server: TGIServer, client: httpx.Client) -> None:
    with ThreadPoolExecutor(max_workers=10) as pool:
        statuses = list(pool.map(lambda _: client.post("/generate", json=GENERATE).status_code, range(40)))
    assert statuses == [200] * 40


def test_stop_closes_the_listening_socket_and_open_connections() -> None:
    server = TGIServer().start()
    address = host_port(server)
    idle = socket.create_connection(address, timeout=30)
    try:
        idle.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        assert idle.recv(100).startswith(b"HTTP/1.1 200")
        server.stop()
        assert idle.recv(100) == b""  # the kept-alive connection was ended
    finally:
        idle.close()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(address, timeout=30).close()


def test_stop_interrupts_a_paced_stream() -> None:
    # The next token is a minute away, so a stop() that took even half of it would still be seen as prompt.
    server = TGIServer(token_delay=60.0, reply="a b c").start()
    with (
        httpx.Client(base_url=server.url, timeout=30) as client,
        client.stream("POST", "/generate_stream", json=GENERATE) as response,
    ):
        lines = response.iter_lines()
        assert next(lines).startswith("data: ")
        started = time.monotonic()
        server.stop()
        with pytest.raises(httpx.RemoteProtocolError):
            list(lines)
    assert time.monotonic() - started < 30


def test_token_delay_paces_the_stream(tgi_server_factory: Any) -> None:
    server: TGIServer = tgi_server_factory(token_delay=0.05, reply="a b c")
    with httpx.Client(base_url=server.url, timeout=30) as client:
        started = time.monotonic()
        response = client.post("/generate_stream", json=GENERATE)
    assert time.monotonic() - started >= 0.08  # three events, two pauses of 0.05 s
    assert response.text.count("data: ") == 3


def test_sse_without_the_space_like_tgi_2_0(tgi_server_factory: Any) -> None:
    server: TGIServer = tgi_server_factory(sse_space=False, reply="a")
    with httpx.Client(base_url=server.url) as client:
        text = client.post("/generate_stream", json=GENERATE).text
        chat = client.post(
            "/v1/chat/completions", json={"messages": [{"role": "user", "content": "x"}], "stream": True}
        )
    assert text.startswith('data:{"index":1')
    assert "data: " not in text
    assert chat.text.endswith("data:[DONE]\n\n")


def test_a_fixed_port(unused_port: int) -> None:
    with TGIServer(port=unused_port) as server:
        assert server.url == f"http://127.0.0.1:{unused_port}"


def test_ipv6_loopback() -> None:
    if not socket.has_ipv6:
        pytest.skip("no IPv6")
    try:
        server = TGIServer(host="::1").start()
    except OSError:
        pytest.skip("IPv6 loopback unavailable")
    try:
        assert server.url.startswith("http://[::1]:")
        with httpx.Client(base_url=server.url) as client:
            assert client.get("/health").status_code == 200
    finally:
        server.stop()


@pytest.fixture
def unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port

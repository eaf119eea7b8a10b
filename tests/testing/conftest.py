"""Shared helpers for the TGI stand-in's tests: HTTP clients, SSE parsing and the reference files."""

from __future__ import annotations

import json
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest

from easyllm_shim.testing import TGIServer

from ..reference import reference_dir

# The OpenAI-compatible server's tests use openai >= 1's client API, which openai 0.28 (tox env openai0) lacks.
collect_ignore = ["test_openai_server.py"] if version("openai").startswith("0.") else []


def sse_payloads(text: str) -> list[str]:
    """The ``data:`` payloads of an SSE body (one optional space after the colon, as the spec says)."""
    payloads = []
    for line in text.split("\n"):
        if line.startswith("data:"):
            payload = line[len("data:") :]
            payloads.append(payload[1:] if payload.startswith(" ") else payload)
    return payloads


def sse_events(text: str) -> list[Any]:
    """The JSON events of an SSE body (``[DONE]`` kept as the string)."""
    return [payload if payload == "[DONE]" else json.loads(payload) for payload in sse_payloads(text)]


@pytest.fixture(scope="module")
def shared_server() -> Iterator[TGIServer]:
    """One server for tests that only read (validation tables); never change its reply or faults."""
    with TGIServer() as server:
        yield server


@pytest.fixture(scope="module")
def shared_client(shared_server: TGIServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=shared_server.url, timeout=30) as client:
        yield client


@pytest.fixture
def client(tgi_server: TGIServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=tgi_server.url, timeout=30) as http:
        yield http


@pytest.fixture
def reference() -> Path:
    return reference_dir()

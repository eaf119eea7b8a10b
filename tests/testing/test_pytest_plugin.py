"""The fixtures, used here directly and once through a pytest run that loads the plugin by entry point."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import httpx2 as httpx

from easyllm_shim.testing import TGIServer


def test_tgi_server_is_started(tgi_server: TGIServer) -> None:
    with httpx.Client(base_url=tgi_server.url) as client:
        assert client.get("/health").status_code == 200


def test_the_factory_passes_arguments(tgi_server_factory: Callable[..., TGIServer]) -> None:
    first = tgi_server_factory("meta-llama/Meta-Llama-3-8B-Instruct", max_stop_sequences=2)
    second = tgi_server_factory()
    assert first.url != second.url
    with httpx.Client() as client:
        info = client.get(f"{first.url}/info").json()
    assert (info["model_id"], info["max_stop_sequences"]) == ("meta-llama/Meta-Llama-3-8B-Instruct", 2)


def test_servers_are_stopped_after_the_test(tmp_path: Path) -> None:
    urls = tmp_path / "urls.txt"
    (tmp_path / "test_inner.py").write_text(
        textwrap.dedent(
            f"""
            def test_uses_both(tgi_server, tgi_server_factory):
                other = tgi_server_factory(reply="x")
                with open({str(urls)!r}, "w") as out:
                    out.write(tgi_server.url + "\\n" + other.url)
            """
        )
    )
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path / "test_inner.py")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    for url in urls.read_text().split():
        with httpx.Client() as client:
            try:
                client.get(f"{url}/health", timeout=5)
            except httpx.ConnectError:
                continue
            raise AssertionError(f"{url} still answers")

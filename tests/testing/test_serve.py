"""`python -m easyllm_shim.testing` serves the stand-ins by hand (issue 17), as a user starts and stops it."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import urllib.request
from typing import Any

import openai

SERVE = [sys.executable, "-m", "easyllm_shim.testing"]
URL = re.compile(r"(http://127\.0\.0\.1:\d+(?:/v1)?)$")


def fetch(url: str, body: dict[str, Any] | None = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)


def start(*arguments: str) -> tuple[subprocess.Popen[str], list[str]]:
    """The server process and the URLs it printed, read up to its "Serving" line."""
    process = subprocess.Popen([*SERVE, *arguments], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None
    urls = []
    for _ in range(5):  # two URL lines at most, then "Serving"
        line = process.stdout.readline().strip()
        if line.startswith("Serving") or not line:
            break
        found = URL.search(line)
        assert found, line
        urls.append(found.group(1))
    return process, urls


def interrupt(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    return process.returncode, out, err


def test_both_servers_answer_until_ctrl_c_then_exit_cleanly() -> None:
    process, urls = start("both", "--port", "0", "--openai-port", "0", "--reply", "Served by hand.")
    try:
        tgi, standin = urls
        generated = fetch(f"{tgi}/generate", {"inputs": "Hi", "parameters": {"max_new_tokens": 8}})
        client = openai.OpenAI(base_url=standin, api_key="unused", max_retries=0)
        completion = client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "Hi"}])
        client.close()
    finally:
        code, out, err = interrupt(process)

    assert generated["generated_text"] == " Served by hand."
    assert (completion.model, completion.choices[0].message.content) == ("gpt-4o-mini", " Served by hand.")
    assert standin.endswith("/v1")
    assert (code, out.splitlines()[-1], err) == (0, "Stopped.", "")


def test_tgi_alone_is_the_default_and_serves_the_model_given() -> None:
    process, urls = start("--port", "0", "--model", "mistralai/Mistral-7B-Instruct-v0.2")
    try:
        [tgi] = urls
        info = fetch(f"{tgi}/info")
    finally:
        code, _, _ = interrupt(process)

    assert info["model_id"] == "mistralai/Mistral-7B-Instruct-v0.2"
    assert code == 0


def test_a_command_after_the_dashes_runs_pointed_at_the_servers_and_its_exit_code_is_kept() -> None:
    script = "import os, sys; print(os.environ['OPENAI_BASE_URL'], os.environ['HUGGINGFACE_API_BASE']); sys.exit(3)"
    environment = {**os.environ, "OPENAI_API_KEY": "sk-real-key-must-not-reach-the-stand-in"}

    done = subprocess.run(
        [*SERVE, "both", "--port", "0", "--openai-port", "0", "--", sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
        check=False,
    )

    printed = [URL.search(line).group(1) for line in done.stdout.splitlines()[:2]]  # type: ignore[union-attr]
    assert done.returncode == 3
    assert done.stdout.splitlines()[2] == f"{printed[1]} {printed[0]}"


def test_a_port_already_taken_is_named_and_exits_2() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        done = subprocess.run([*SERVE, "--port", str(port)], capture_output=True, text=True, timeout=60, check=False)

    assert done.returncode == 2
    assert "cannot listen" in done.stderr
    assert "Traceback" not in done.stderr

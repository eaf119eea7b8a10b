"""A TGI-protocol server in its own process, so the client's CPU is measured alone."""

from __future__ import annotations

import subprocess
import sys
from types import TracebackType

_SCRIPT = """
import sys
from easyllm_shim.testing import TGIServer
server = TGIServer(model_id=sys.argv[1], reply=sys.argv[2], max_total_tokens=8192, max_input_tokens=8000).start()
print(server.url, flush=True)
sys.stdin.read()
"""


class ServerProcess:
    def __init__(self, model: str, reply: str) -> None:
        self._args = [sys.executable, "-c", _SCRIPT, model, reply]
        self.url = ""

    def __enter__(self) -> ServerProcess:
        self._process = subprocess.Popen(self._args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self._process.stdout is not None
        self.url = self._process.stdout.readline().strip()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        assert self._process.stdin is not None
        self._process.stdin.close()
        self._process.wait(timeout=10)

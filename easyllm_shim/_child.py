"""Running a program as a child process of a command, with its exit code as the command's."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping, Sequence


def run_child(name: str, command: Sequence[str], environment: Mapping[str, str]) -> int:
    """Run `command` with `environment` added to ours until it exits, and return its exit code. `name`
    (the command's own) opens the error printed when it cannot start."""
    try:
        child = subprocess.Popen(command, env={**os.environ, **environment})
    except OSError as error:
        print(f"{name}: cannot start {command[0]!r}: {error}", file=sys.stderr)
        return 127
    with child:
        while True:
            try:
                code = child.wait()
                break
            except KeyboardInterrupt:  # the child got the same Ctrl-C; its exit code is the answer
                continue
    return 128 - code if code < 0 else code  # killed by signal N: 128 + N, as shells report it

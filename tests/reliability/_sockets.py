"""Which file descriptors of this process are open, and which are TCP sockets to a given port.

The TGI stand-in runs in the test's own process, so a plain fd count mixes the client's sockets with
the server's. `/proc/self/net/tcp{,6}` maps socket inodes to addresses: a socket whose *remote*
port is the server's belongs to the client side.
"""

from __future__ import annotations

import os
from pathlib import Path

_PROC_FD = Path("/proc/self/fd")


def open_fds() -> int:
    return len(os.listdir(_PROC_FD))


def _socket_inodes() -> set[str]:
    inodes = set()
    for name in os.listdir(_PROC_FD):
        try:
            target = os.readlink(_PROC_FD / name)
        except OSError:  # closed between listdir and readlink
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    return inodes


def client_sockets_to(port: int) -> int:
    """Open sockets of this process connected to `port` on the other end (the client side of loopback)."""
    ours = _socket_inodes()
    count = 0
    for table in ("/proc/self/net/tcp", "/proc/self/net/tcp6"):
        path = Path(table)
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            fields = line.split()
            remote_port = int(fields[2].rsplit(":", 1)[1], 16)
            if remote_port == port and fields[9] in ours:
                count += 1
    return count

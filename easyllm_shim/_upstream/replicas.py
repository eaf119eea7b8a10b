"""Which replica of a model serves a call, and which replicas are healthy: a state machine without I/O.

Selection is the least requests in flight among the healthy replicas (ties at random), or, for calls
that name a session (`prompt_cache_key`, `user`, `safety_identifier`), the healthy replica that
rendezvous hashing gives that key, so the server's prefix cache stays warm. A replica that fails a
call (connection error, timeout, 5xx, 429) is skipped for a cooldown that doubles with each failure
in a row, up to `MAX_COOLDOWN`; then it is half-open: one call tries it, and its outcome decides.
The clock is injected, so tests drive time without waiting for it. The rules: docs/deploy.md.
"""

from __future__ import annotations

import hashlib
import random
import threading
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# Caps the doubling: a replica down for long is tried about twice a minute.
MAX_COOLDOWN = 30.0
# The request fields that name a session, in the order they are looked for.
SESSION_FIELDS = ("prompt_cache_key", "user", "safety_identifier")


def session_key(request: Mapping[str, Any]) -> str | None:
    for name in SESSION_FIELDS:
        value = request.get(name)
        if isinstance(value, str) and value:
            return value
    return None


def public_url(url: str) -> str:
    """`url` without its userinfo, for logs."""
    scheme, _, rest = url.partition("://")
    host, slash, path = rest.partition("/")
    return f"{scheme}://{host.rpartition('@')[2]}{slash}{path}"


def failed(status: int) -> bool:
    """An answer that says the replica, not the request, is at fault: another replica may succeed."""
    return status >= 500 or status == 429


@dataclass(frozen=True, slots=True)
class Health:
    """One replica's state as `doctor` and the tests read it."""

    url: str
    state: str  # "healthy", "cooling down" or "half-open"
    in_flight: int
    failures: int  # in a row
    retry_in: float  # seconds until it is tried again (0 unless cooling down)


class _Replica:
    __slots__ = ("failures", "in_flight", "trial", "until", "url")

    def __init__(self, url: str) -> None:
        self.url = url
        self.in_flight = 0
        self.failures = 0
        self.until = 0.0  # the end of its cooldown, on the injected clock
        self.trial = False  # a half-open trial call is under way


class Replicas:
    """The replicas of one model; `choose` before a call, `done` after it (exactly once per `choose`)."""

    def __init__(
        self,
        urls: Sequence[str],
        cooldown: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        self._replicas = [_Replica(url) for url in urls]
        self.urls = tuple(urls)
        self._cooldown = cooldown
        self._clock = clock
        self._random = rng or random.Random()
        self._lock = threading.Lock()
        self.failovers = 0  # calls sent elsewhere than the replica before them failed (a retry of the SDK)

    def choose(self, key: str | None = None, avoid: Collection[int] = ()) -> int:
        """The index of the replica for the next call; `avoid` are those that failed this call's earlier
        attempts, skipped while another is available. Never refuses: if none is available, the one whose
        cooldown ends first is tried (a call that fails there fails as it would without replicas)."""
        with self._lock:
            now = self._clock()
            replicas = self._replicas
            available = [index for index, replica in enumerate(replicas) if self._available(replica, now)]
            if avoid:
                available = [index for index in available if index not in avoid] or available
            if not available:
                index = min(range(len(replicas)), key=lambda i: replicas[i].until)
            elif key is not None:
                index = max(available, key=lambda i: _weight(key, replicas[i].url))
            else:
                least = min(replicas[i].in_flight for i in available)
                ties = [i for i in available if replicas[i].in_flight == least]
                index = ties[0] if len(ties) == 1 else self._random.choice(ties)
            replica = replicas[index]
            if replica.failures and now >= replica.until:
                replica.trial = True
            replica.in_flight += 1
            return index

    def done(self, index: int, ok: bool | None) -> None:
        """The call `choose` gave `index` ended: `ok` True (served), False (the replica failed it), or
        None (abandoned or refused before it reached the replica: says nothing about its health)."""
        with self._lock:
            replica = self._replicas[index]
            replica.in_flight -= 1
            if ok is None:
                replica.trial = False
            elif ok:
                replica.failures, replica.trial = 0, False
            else:
                replica.failures += 1
                replica.trial = False
                pause = min(self._cooldown * 2 ** min(replica.failures - 1, 30), MAX_COOLDOWN)
                replica.until = self._clock() + pause

    def health(self) -> list[Health]:
        with self._lock:
            now = self._clock()
            return [
                Health(r.url, _state(r, now), r.in_flight, r.failures, max(r.until - now, 0.0) if r.failures else 0.0)
                for r in self._replicas
            ]

    @staticmethod
    def _available(replica: _Replica, now: float) -> bool:
        return not replica.failures or (now >= replica.until and not replica.trial)


def _state(replica: _Replica, now: float) -> str:
    if not replica.failures:
        return "healthy"
    return "cooling down" if now < replica.until else "half-open"


def _weight(key: str, url: str) -> bytes:
    """Rendezvous (highest random weight) hashing: each key prefers one replica, and only the keys of a
    replica that leaves move."""
    return hashlib.blake2b(f"{key}\0{url}".encode(), digest_size=8).digest()

"""Which inference provider served the current call, as Hugging Face's router names it in its
`x-inference-provider` answer header, for the event log.

A context variable: the upstream flow notes the header where it reads the answer, and the call's record
reads it back in the same thread or task, without a channel through the SDK between them.
"""

from __future__ import annotations

from contextvars import ContextVar

__all__ = ["HEADER", "failovers", "replica", "served_by"]

HEADER = b"x-inference-provider"

served_by: ContextVar[str | None] = ContextVar("easyllm_shim_served_by", default=None)
# The replica (its URL without credentials) of a model with several that served the call's last attempt,
# and how many attempts of the call a replica failed before it (each sent to another: a failover).
replica: ContextVar[str | None] = ContextVar("easyllm_shim_replica", default=None)
failovers: ContextVar[int] = ContextVar("easyllm_shim_failovers", default=0)

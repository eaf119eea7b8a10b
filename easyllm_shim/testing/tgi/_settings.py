"""The server's fixed configuration, and the constants TGI's launcher and router would supply."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ._validation import Limits

__all__ = ["COMPUTE_TYPE", "PAYLOAD_LIMIT", "Settings"]

# The router's COMPUTE_TYPE default, echoed in x-compute-type.
COMPUTE_TYPE = "gpu+optimized"
# --payload-limit default: larger bodies get axum's 413.
PAYLOAD_LIMIT = 2_000_000
_MAX_CONCURRENT_REQUESTS = 128
_VALIDATION_WORKERS = 2


@dataclass(frozen=True)
class Settings:
    """Everything a route needs to know about the server besides the mutable reply and health flag."""

    model_id: str
    version: str
    limits: Limits
    max_client_batch_size: int
    api_key: str | None
    embedding_dimensions: int = 384

    @property
    def system_fingerprint(self) -> str:
        """``<version>-<docker_label or "native">``; a local build has no docker label."""
        return f"{self.version}-native"

    def info(self) -> dict[str, Any]:
        """GET /info, in TGI's field order."""
        limits = self.limits
        return {
            "model_id": self.model_id,
            "model_sha": None,
            "model_pipeline_tag": "text-generation",
            "max_concurrent_requests": _MAX_CONCURRENT_REQUESTS,
            "max_best_of": limits.max_best_of,
            "max_stop_sequences": limits.max_stop_sequences,
            "max_input_tokens": limits.max_input_tokens,
            "max_total_tokens": limits.max_total_tokens,
            "validation_workers": _VALIDATION_WORKERS,
            "max_client_batch_size": self.max_client_batch_size,
            "router": "text-generation-router",
            "version": self.version,
            "sha": None,
            "docker_label": None,
        }

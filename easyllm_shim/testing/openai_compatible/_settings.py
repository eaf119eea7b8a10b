"""The OpenAI-compatible stand-in's fixed configuration: what ``vllm serve`` would take as flags."""

from __future__ import annotations

import uuid
import zlib
from dataclasses import dataclass

__all__ = ["VLLM_VERSION", "OpenAISettings", "random_uuid"]

# The vLLM release whose OpenAI server this stand-in reproduces (docs/testing.md says where it differs).
VLLM_VERSION = "0.33.0"


def random_uuid() -> str:
    """vLLM's request and permission ids: 16 hex digits from a uuid4."""
    return f"{uuid.uuid4().int & 0xFFFF_FFFF_FFFF_FFFF:016x}"


@dataclass(frozen=True)
class OpenAISettings:
    """``--served-model-name``, ``--max-model-len``, ``--api-key`` and the model's embedding size."""

    model_id: str
    served_model_names: tuple[str, ...]
    max_model_len: int
    api_keys: tuple[str, ...]
    version: str
    embedding_dimensions: int

    @property
    def model_name(self) -> str:
        """The name answers carry: the first served name, whichever alias the request used."""
        return self.served_model_names[0]

    @property
    def system_fingerprint(self) -> str:
        """``vllm-<version>-<hash8>``; the real hash covers the whole engine config, here the model and length."""
        digest = zlib.crc32(f"{self.model_id}\x1f{self.max_model_len}".encode())
        return f"vllm-{self.version}-{digest:08x}"

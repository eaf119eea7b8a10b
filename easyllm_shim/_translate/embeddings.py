"""OpenAI embeddings → Text Embeddings Inference `/embed` (or the serverless feature-extraction route).

TEI answers a 2-D array, one vector per input, L2-normalised (even for one input); OpenAI's answer is
a list of `embedding` objects, as floats or as base64 float32 (the openai SDK asks for base64 by
default and decodes it). `dimensions` shortens vectors the way OpenAI defines it, keeping the first
`dimensions` values and renormalising: TEI does this for Matryoshka models, and the shim does it
client-side where the server has no such option (the serverless route).
"""

from __future__ import annotations

import array
import base64
import json
import math
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .chat import CompletionMeta
from .errors import InvalidRequest
from .generation import Answer, header_int
from .params import check_names, integer

_KNOWN = frozenset({"model", "input", "encoding_format", "dimensions", "user"})


@dataclass(frozen=True, slots=True)
class EmbeddingPlan:
    model: str
    inputs: str | list[Any]
    encoding_format: str
    dimensions: int | None
    stream: bool = False
    task = "embed"
    id_prefix = ""

    def reply_body(self, meta: CompletionMeta, answers: Sequence[Answer]) -> bytes:
        [(_, headers, content)] = answers
        return self.answer(meta, content, header_int(headers, b"x-compute-tokens"))

    def tgi_bodies(self, *, serverless: bool, max_stop_sequences: int = 0) -> list[bytes]:
        return [self.tei_body(serverless=serverless)]

    def tei_body(self, *, serverless: bool) -> bytes:
        body: dict[str, Any] = {"inputs": self.inputs, "normalize": True, "truncate": False}
        if self.dimensions is not None and not serverless:
            body["dimensions"] = self.dimensions
        return json.dumps(body).encode()

    def answer(self, meta: CompletionMeta, content: bytes, prompt_tokens: int) -> bytes:
        vectors = json.loads(content)
        if vectors and isinstance(vectors[0], int | float):  # older serverless answers for one input
            vectors = [vectors]
        data = [
            {"object": "embedding", "index": index, "embedding": self._encode(self._shorten(vector))}
            for index, vector in enumerate(vectors)
        ]
        body = {
            "object": "list",
            "data": data,
            "model": meta.model,
            "usage": {"prompt_tokens": prompt_tokens, "total_tokens": prompt_tokens},
        }
        return json.dumps(body).encode()

    def _shorten(self, vector: Sequence[float]) -> Sequence[float]:
        if self.dimensions is None or len(vector) <= self.dimensions:
            return vector
        head = vector[: self.dimensions]
        norm = math.sqrt(sum(value * value for value in head)) or 1.0
        return [value / norm for value in head]

    def _encode(self, vector: Sequence[float]) -> Any:
        if self.encoding_format == "float":
            return list(vector)
        packed = array.array("f", vector)  # float32, as OpenAI's base64 embeddings
        if sys.byteorder == "big":
            packed.byteswap()
        return base64.b64encode(packed.tobytes()).decode("ascii")


def _valid_input(value: Any) -> bool:
    if isinstance(value, str):
        return bool(value)
    if not isinstance(value, list) or not value:
        return False
    if all(isinstance(item, str) and item for item in value):
        return True
    if all(isinstance(item, int) and not isinstance(item, bool) for item in value):
        return True
    return all(isinstance(item, list) and item and all(isinstance(i, int) for i in item) for item in value)


def plan_embedding(body: Mapping[str, Any]) -> EmbeddingPlan:
    """Validate an OpenAI embeddings request and decide the TEI call. Raises `InvalidRequest`."""
    check_names(body, _KNOWN)
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise InvalidRequest("Missing 'model'", param="model")
    value: Any = body.get("input")
    if not _valid_input(value):
        raise InvalidRequest(
            "Invalid 'input': expected a non-empty string, a list of them, or token ids", param="input"
        )
    encoding_format = body.get("encoding_format") or "float"
    if encoding_format not in ("float", "base64"):
        raise InvalidRequest(f"Invalid 'encoding_format': {encoding_format!r}", param="encoding_format")
    return EmbeddingPlan(model, value, encoding_format, integer(body, "dimensions", 1))

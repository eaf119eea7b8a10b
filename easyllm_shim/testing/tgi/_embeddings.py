"""Text Embeddings Inference's `/embed`, and the serverless feature-extraction route that takes the same body.

Vectors are deterministic pseudo-random unit vectors derived from each input, so equal inputs embed
equally. Errors follow TEI: `{"error", "error_type"}` with TEI's capitalised types.
"""

from __future__ import annotations

import json
import time
from typing import Any

from ..fake_model import Tokenizer, embedding
from ..loopback import Response, json_response, text_response
from ._errors import error_response
from ._settings import COMPUTE_TYPE, Settings

__all__ = ["EmbedRoutes"]


def _is_input(value: Any) -> bool:
    if isinstance(value, str):
        return True
    if not isinstance(value, list):
        return False
    kinds = {type(item) for item in value}
    return kinds <= {str} or kinds <= {int} or (kinds <= {list} and all(_is_input(item) for item in value))


class EmbedRoutes:
    def __init__(self, settings: Settings, tokenizer: Tokenizer) -> None:
        self.settings = settings
        self.tokenizer = tokenizer

    def embed(self, body: bytes) -> Response:
        started = time.perf_counter()
        try:
            request = json.loads(body)
        except ValueError as error:
            return text_response(400, f"Failed to parse the request body as JSON: {error}")
        inputs = request.get("inputs") if isinstance(request, dict) else None
        if not _is_input(inputs):
            return text_response(
                422, "Failed to deserialize the JSON body into the target type: inputs: data did not match any variant"
            )
        batch = [inputs] if isinstance(inputs, str) or (inputs and isinstance(inputs[0], int)) else inputs
        if not batch or any(len(item) == 0 for item in batch):
            return error_response(400, "`inputs` cannot be empty", "Empty")
        limit = self.settings.max_client_batch_size
        if len(batch) > limit:
            return error_response(413, f"batch size {len(batch)} > maximum allowed batch size {limit}", "Validation")
        dimensions = request.get("dimensions")
        size = self.settings.embedding_dimensions
        if dimensions is not None and (not isinstance(dimensions, int) or not 0 < dimensions <= size):
            return error_response(400, f"`dimensions` must be between 1 and {size}. Given: {dimensions}", "Validation")
        counts = [self._tokens(item) for item in batch]
        longest = self.settings.limits.max_input_tokens
        if not request.get("truncate") and max(counts) > longest:
            message = f"`inputs` must have less than {longest} tokens. Given: {max(counts)}"
            return error_response(413, f"Input validation error: {message}", "Validation")
        normalize = bool(request.get("normalize", True))
        vectors = [embedding(item, size, dimensions or size, normalize=normalize) for item in batch]
        elapsed = time.perf_counter() - started
        headers = (
            ("x-compute-type", COMPUTE_TYPE),
            ("x-compute-time", f"{elapsed:.6f}"),
            ("x-compute-characters", str(sum(len(str(item)) for item in batch))),
            ("x-compute-tokens", str(sum(counts))),
            ("x-total-time", str(int(elapsed * 1000))),
            ("x-tokenization-time", "0"),
            ("x-queue-time", "0"),
            ("x-inference-time", str(int(elapsed * 1000))),
        )
        return json_response(200, vectors, headers)

    def _tokens(self, item: Any) -> int:
        if isinstance(item, str):
            return len(self.tokenizer.encode(item, add_special_tokens=True))
        return len(item)

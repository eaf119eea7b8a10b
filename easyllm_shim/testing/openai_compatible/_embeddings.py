"""POST /v1/embeddings as vLLM's ``ServingEmbedding`` answers it (a pooling model's endpoint).

Vectors are the fake model's (``embedding``: a pseudo-random unit vector per input), as the TGI
stand-in's ``/embed`` gives them, so both stand-ins embed an input alike; ``dimensions`` keeps the
first values and normalizes again, as a Matryoshka model does. Values are float32, as vLLM's
tensors: ``float`` writes each one's shortest float32 digits (as orjson does), ``base64`` the
little-endian bytes.
"""

from __future__ import annotations

import base64
import struct
from dataclasses import replace

from ..fake_model import embedding
from ..loopback import Response, json_response
from ._errors import VLLMValidationError, error_response
from ._requests import read_embedding
from ._sampling import check_prompt_length
from ._serving import Serving, prompts_of, usage

__all__ = ["EmbeddingsRoute"]


def _float32(value: float) -> float:
    """The float whose shortest repr is the float32 nearest ``value``: what a float32 tensor serializes to."""
    packed = struct.pack("<f", value)
    single = struct.unpack("<f", packed)[0]
    for digits in range(1, 10):
        candidate = float(f"{single:.{digits}g}")
        if struct.pack("<f", candidate) == packed:
            return candidate
    return float(single)


class EmbeddingsRoute(Serving):
    def create(self, headers: dict[str, str], body: bytes) -> Response:
        request = read_embedding(headers, body)
        self.check_model(request.model)
        if request.encoding_format not in ("float", "base64"):
            message = f"easyllm_shim.testing: encoding_format {request.encoding_format!r} is not served by the stand-in"
            return error_response(400, message)
        prompts = prompts_of(request.input, self.engine.tokenizer, add_special_tokens=request.add_special_tokens)
        limit = request.truncate_prompt_tokens
        if limit is not None:  # truncation keeps the last (or first) `limit` tokens; -1 is the context length
            cap = self.settings.max_model_len if limit == -1 else limit
            prompts = [replace(prompt, tokens=min(prompt.tokens, cap)) for prompt in prompts]
        for prompt in prompts:
            check_prompt_length(prompt.tokens, self.settings.max_model_len)
        size = self.settings.embedding_dimensions
        dimensions = size if request.dimensions is None else request.dimensions
        if not 1 <= dimensions <= size:
            raise VLLMValidationError(
                f"Model {self.settings.model_name!r} only supports dimensions in range [1, {size}], got {dimensions}."
            )
        data = []
        for index, prompt in enumerate(prompts):
            vector = [_float32(value) for value in embedding(prompt.value, size, dimensions)]
            encoded: list[float] | str = vector
            if request.encoding_format == "base64":
                encoded = base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode("ascii")
            data.append({"index": index, "object": "embedding", "embedding": encoded})
        prompt_tokens = sum(prompt.tokens for prompt in prompts)
        envelope = self.envelope("embd", "list", headers, request.request_id)
        answer = {**envelope, "data": data, "usage": usage(prompt_tokens, 0)}
        return json_response(200, answer)

"""POST /v1/embeddings as vLLM's ``ServingEmbedding`` answers it (a pooling model's endpoint).

Vectors are the fake model's (``embedding``: a pseudo-random unit vector per input), as the TGI
stand-in's ``/embed`` gives them, so both stand-ins embed an input alike; ``dimensions`` keeps the
first values and normalizes again, as a Matryoshka model does. Values are float32, as vLLM's tensors: ``float``
writes each one's shortest float32 digits (as orjson does), ``base64`` the little-endian bytes.
"""

from __future__ import annotations

import base64
import struct
import time
from typing import Any

from ..fake_model import Tokenizer, embedding
from ..loopback import Response, json_response
from ._errors import VLLMValidationError, error_response
from ._requests import read_embedding
from ._sampling import check_prompt_length
from ._serving import Prompt, check_model, prompts_of, request_id, usage
from ._settings import OpenAISettings

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


class EmbeddingsRoute:
    def __init__(self, settings: OpenAISettings, tokenizer: Tokenizer) -> None:
        self.settings = settings
        self.tokenizer = tokenizer

    def create(self, headers: dict[str, str], body: bytes) -> Response:
        request = read_embedding(headers, body)
        check_model(self.settings, request.model)
        if request.encoding_format not in ("float", "base64"):
            message = f"easyllm_shim.testing: encoding_format {request.encoding_format!r} is not served by the stand-in"
            return error_response(400, message)
        prompts = prompts_of(request.input, self.tokenizer, add_special_tokens=request.add_special_tokens)
        limit = request.truncate_prompt_tokens
        if limit is not None:  # truncation keeps the last (or first) `limit` tokens; -1 is the context length
            cap = self.settings.max_model_len if limit == -1 else limit
            prompts = [Prompt(prompt.text, min(prompt.tokens, cap)) for prompt in prompts]
        for prompt in prompts:
            check_prompt_length(prompt.tokens, self.settings.max_model_len)
        size = self.settings.embedding_dimensions
        dimensions = size if request.dimensions is None else request.dimensions
        if not 1 <= dimensions <= size:
            raise VLLMValidationError(
                f"Model {self.settings.model_name!r} only supports dimensions in range [1, {size}], got {dimensions}."
            )
        items: list[Any] = [request.input] if isinstance(request.input, str) else list(request.input)
        if items and all(isinstance(each, int) for each in items):
            items = [items]
        data = []
        for index, item in enumerate(items):
            vector = [_float32(value) for value in embedding(item, size, dimensions)]
            encoded: list[float] | str = vector
            if request.encoding_format == "base64":
                encoded = base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode("ascii")
            data.append({"index": index, "object": "embedding", "embedding": encoded})
        prompt_tokens = sum(prompt.tokens for prompt in prompts)
        answer = {
            "id": f"embd-{request_id(headers, request.request_id)}",
            "object": "list",
            "created": int(time.time()),
            "model": self.settings.model_name,
            "data": data,
            "usage": usage(prompt_tokens, 0),
        }
        return json_response(200, answer)

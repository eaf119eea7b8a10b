"""Stand-ins for the Hugging Face inference servers, for tests: real HTTP on loopback, each server's rules.

``TGIServer`` answers /generate, /generate_stream, the compat route /, /v1/chat/completions,
/tokenize, /info and /health the way TGI 3.x does (validation messages included) from a
deterministic fake model, records every request, and injects faults on demand. The pytest plugin
(``easyllm_shim.testing.pytest_plugin``) provides the ``tgi_server`` and ``tgi_server_factory``
fixtures. ``OpenAICompatibleServer`` stands in for vLLM's OpenAI-compatible server (``vllm serve``):
/v1/chat/completions, /v1/completions, /v1/embeddings, /v1/models and /health, with vLLM's answers
and error bodies (fixtures ``openai_server`` and ``openai_server_factory``). User guide: docs/testing.md.

Layout: ``tgi/`` and ``openai_compatible/`` are the two stand-ins; both are served by ``loopback/``
(the HTTP server, its request log and faults) and generate with ``fake_model/`` (model, tokenizer).
"""

from __future__ import annotations

from .loopback import RecordedRequest
from .openai_compatible import OpenAICompatibleServer
from .tgi import TGIServer

__all__ = ["OpenAICompatibleServer", "RecordedRequest", "TGIServer"]

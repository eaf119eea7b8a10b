"""The OpenAI-compatible stand-in: vLLM's OpenAI server (``vllm serve``), its request models, checks and answers."""

from __future__ import annotations

from ._server import OpenAICompatibleServer

__all__ = ["OpenAICompatibleServer"]

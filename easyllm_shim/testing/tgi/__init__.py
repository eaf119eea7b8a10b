"""The Text Generation Inference stand-in: TGI's routes, request bodies, validation and answers."""

from __future__ import annotations

from ._server import TGIServer

__all__ = ["TGIServer"]

"""Routing as vLLM's FastAPI app does it: the --api-key middleware, Starlette's 404/405, the error handlers.

``OpenAIApp.handle`` is the app the loopback HTTP layer serves (one request in, a ``Response`` or an
``EventStream`` out). The middleware guards every path under ``/v1`` (``/health`` stays open);
a refusal raised by a route (``ServingError``) is answered as it is, and a ``VLLMValidationError`` or
a conversation the chat format refuses (a ``ValueError``, like jinja's TemplateError in vLLM) goes
through ``create_error_response``, as vLLM's exception handlers do.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from ..loopback import EventStream, Response, json_response
from ._errors import ServingError, VLLMValidationError, detail_response, from_exception, unauthorized
from ._settings import OpenAISettings, random_uuid

__all__ = ["OPENAI_ROUTES", "OpenAIApp"]

PostHandler = Callable[[dict[str, str], bytes], "Response | EventStream"]

OPENAI_ROUTES = frozenset({"/v1/chat/completions", "/v1/completions", "/v1/embeddings", "/v1/responses"})
# AuthenticationMiddleware.GUARDED_PREFIX
_GUARDED = ("/v1", "/v2", "/inference", "/cohere")


class OpenAIApp:
    """The routes of ``vllm serve`` that the stand-in serves."""

    def __init__(
        self,
        settings: OpenAISettings,
        post: Mapping[str, PostHandler],
        healthy: Callable[[], bool],
    ) -> None:
        self.settings = settings
        self._post = post
        self._healthy = healthy
        self._get: dict[str, Callable[[], Response]] = {"/v1/models": self._models, "/health": self._health}

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Response | EventStream:
        route = path.split("?", 1)[0]
        if method != "OPTIONS" and route.startswith(_GUARDED) and not self._authorized(headers.get("authorization")):
            return unauthorized()
        if route in self._get:
            if method not in ("GET", "HEAD"):
                return detail_response(405, "Method Not Allowed", (("allow", "GET, HEAD"),))
            return self._get[route]()
        if route not in self._post:
            return detail_response(404, "Not Found")
        if method != "POST":
            return detail_response(405, "Method Not Allowed", (("allow", "POST"),))
        from easyllm_shim._prompts import PromptError  # another package; loaded when first used

        try:
            return self._post[route](headers, body)
        except ServingError as refusal:
            return refusal.response
        except (VLLMValidationError, PromptError) as error:
            return from_exception(error)

    def _authorized(self, authorization: str | None) -> bool:
        keys = self.settings.api_keys
        if not keys:
            return True
        if not authorization:
            return False
        scheme, _, token = authorization.partition(" ")
        return scheme.lower() == "bearer" and token in keys

    def _health(self) -> Response:
        # vLLM answers 503 with an empty body once the engine is dead.
        return Response(200 if self._healthy() else 503)

    def _models(self) -> Response:
        created = int(time.time())
        cards = [self._card(name, created) for name in self.settings.served_model_names]
        return json_response(200, {"object": "list", "data": cards})

    def _card(self, name: str, created: int) -> dict[str, Any]:
        permission = {
            "id": f"modelperm-{random_uuid()}",
            "object": "model_permission",
            "created": created,
            "allow_create_engine": False,
            "allow_sampling": True,
            "allow_logprobs": True,
            "allow_search_indices": False,
            "allow_view": True,
            "allow_fine_tuning": False,
            "organization": "*",
            "group": None,
            "is_blocking": False,
        }
        return {
            "id": name,
            "object": "model",
            "created": created,
            "owned_by": "vllm",
            "root": self.settings.model_id,
            "parent": None,
            "max_model_len": self.settings.max_model_len,
            "permission": [permission],
        }

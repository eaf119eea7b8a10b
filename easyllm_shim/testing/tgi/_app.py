"""Routing as TGI's axum router does it: the --api-key guard, 404/405, and the JSON extractor's checks.

``App.handle`` maps one request to a ``Response`` or an ``EventStream``; sockets, recording and
injected faults are the HTTP layer's business.
"""

from __future__ import annotations

from collections.abc import Callable

from ..loopback import EventStream, Response, json_response, text_response
from ._embeddings import EmbedRoutes
from ._json import JsonError
from ._messages_api import MessagesAPI
from ._routes import NativeRoutes
from ._settings import PAYLOAD_LIMIT, Settings

__all__ = ["App"]

Handler = Callable[[bytes], "Response | EventStream"]


def is_json_content_type(value: str | None) -> bool:
    """axum's test: ``application/json`` or any ``application/*+json``, parameters allowed."""
    if not value:
        return False
    kind, _, subtype = value.split(";", 1)[0].strip().lower().partition("/")
    return kind == "application" and (subtype == "json" or (subtype.endswith("+json") and len(subtype) > 5))


def _body_rejection(error: JsonError) -> Response:
    """axum's ``Json`` rejection: 400 for syntax, 422 for a type mismatch, both text/plain."""
    if error.syntax:
        return text_response(400, f"Failed to parse the request body as JSON: {error.describe()}")
    return text_response(422, f"Failed to deserialize the JSON body into the target type: {error.describe()}")


class App:
    """TGI's routes behind its middleware."""

    def __init__(
        self,
        settings: Settings,
        native: NativeRoutes,
        chat: MessagesAPI,
        embed: EmbedRoutes,
        healthy: Callable[[], bool],
    ) -> None:
        self.settings = settings
        self._healthy = healthy
        # The "base routes": JSON bodies, and the only ones --api-key protects.
        self._post: dict[str, Handler] = {
            "/": native.compat,
            "/generate": native.generate,
            "/generate_stream": native.generate_stream,
            "/v1/chat/completions": chat.chat_completions,
            "/tokenize": native.tokenize,
            # The HF serverless API's path for this model, which it proxies to TGI's compat route.
            f"/models/{settings.model_id}": native.compat,
            # Text Embeddings Inference, and the serverless API's feature-extraction pipeline.
            "/embed": embed.embed,
            f"/models/{settings.model_id}/pipeline/feature-extraction": embed.embed,
        }
        self._get: dict[str, Callable[[], Response]] = {
            "/": lambda: native.health(self._healthy()),
            "/health": lambda: native.health(self._healthy()),
            "/ping": lambda: native.health(self._healthy()),
            "/info": native.info,
            "/v1/models": self._models,
        }

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Response | EventStream:
        route = path.split("?", 1)[0]
        reads = method in ("GET", "HEAD")
        if route in self._get and reads:
            return self._get[route]()
        if route not in self._post and route not in self._get:
            return Response(404)
        if route in self._post and not self._authorized(headers.get("authorization")):
            return Response(401)
        if route not in self._post or method != "POST":
            allowed = [*(["GET", "HEAD"] if route in self._get else []), *(["POST"] if route in self._post else [])]
            return Response(405, headers=(("allow", ",".join(allowed)),))
        if not is_json_content_type(headers.get("content-type")):
            return text_response(415, "Expected request with `Content-Type: application/json`")
        if len(body) > PAYLOAD_LIMIT:
            return text_response(413, "Failed to buffer the request body: length limit exceeded")
        try:
            return self._post[route](body)
        except JsonError as error:  # each handler reads its body first, as axum extracts `Json` before the handler
            return _body_rejection(error)

    def _authorized(self, authorization: str | None) -> bool:
        key = self.settings.api_key
        if key is None:
            return True
        # TGI compares the whole header with "Bearer <key>", both lower-cased.
        return authorization is not None and authorization.lower() == f"Bearer {key}".lower()

    def _models(self) -> Response:
        model_id = self.settings.model_id
        model = {"id": model_id, "object": "model", "created": 0, "owned_by": model_id}
        return json_response(200, {"object": "list", "data": [model]})

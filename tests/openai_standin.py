"""A recording stand-in for api.openai.com: pass-through calls must reach it byte for byte as unpatched."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from easyllm_shim.testing import RecordedRequest


def _completion(model: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-openai",
        "object": "chat.completion",
        "created": 1700000000,
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "from openai"}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7},
    }


def _embeddings(model: str) -> dict[str, Any]:
    return {
        "object": "list",
        "data": [{"object": "embedding", "index": 0, "embedding": [0.6, 0.8]}],
        "model": model,
        "usage": {"prompt_tokens": 1, "total_tokens": 1},
    }


class OpenAIStandIn:
    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        standin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in two writes; without this each answer waits for a delayed ACK.
            disable_nagle_algorithm = True

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                headers = {name.lower(): value for name, value in self.headers.items()}
                standin.requests.append(RecordedRequest("POST", self.path, headers, body))
                request = json.loads(body)
                completion = _completion(request.get("model", ""))
                if self.path.endswith("/embeddings"):
                    payload, content_type = (
                        json.dumps(_embeddings(request.get("model", ""))).encode(),
                        "application/json",
                    )
                elif request.get("stream"):
                    chunk = {**completion, "object": "chat.completion.chunk"}
                    chunk["choices"] = [{"index": 0, "delta": {"role": "assistant", "content": "from openai"}}]
                    payload = b"data: " + json.dumps(chunk).encode() + b"\n\ndata: [DONE]\n\n"
                    content_type = "text/event-stream"
                else:
                    payload, content_type = json.dumps(completion).encode(), "application/json"
                self.send_response(200)
                self.send_header("content-type", content_type)
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/v1"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self) -> OpenAIStandIn:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

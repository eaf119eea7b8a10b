"""An in-process TGI for the routed path: the caller's HTTP client answers TGI requests from memory.

The shim sends TGI traffic through the caller's own connection pool, so an openai client built with
`http_client=<Client(transport=MockTransport(...))>` runs every line of the shim and of the SDK,
only without sockets: fast and deterministic enough to count allocations over thousands of calls.
"""

from __future__ import annotations

import json
from typing import Any

from easyllm_shim._client_api.http import sdk_default

TGI_URL = "http://tgi.invalid:8080"
REPLY = "Hello there!"
_GENERATE = json.dumps(
    {
        "generated_text": " " + REPLY,
        "details": {"finish_reason": "eos_token", "generated_tokens": 4, "seed": None, "prefill": [], "tokens": []},
    }
).encode()
_INFO = json.dumps({"model_id": "canned", "max_stop_sequences": 4, "version": "3.3.6"}).encode()


def _answer(request: Any) -> Any:
    http = sdk_default()
    if request.url.path == "/generate":
        headers = {"content-type": "application/json", "x-prompt-tokens": "12"}
        return http.Response(200, headers=headers, content=_GENERATE)
    if request.url.path == "/info":
        return http.Response(200, headers={"content-type": "application/json"}, content=_INFO)
    return http.Response(404)


def canned_http_client() -> Any:
    """A sync HTTP client of the package the installed openai SDK uses (httpx or httpx2)."""
    http = sdk_default()
    return http.Client(transport=http.MockTransport(_answer))

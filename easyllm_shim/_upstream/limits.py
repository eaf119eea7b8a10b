"""What a server's answer may be before the shim reads it: its size, its encoding, and the answer for one
that is none of what it should be (docs/backends.md, "Servers that misbehave").

Drivers read at most `MAX_BODY_BYTES + 1` bytes of a body and never decode it; the flows refuse what
is larger or encoded, as they refuse any malformed answer: HTTP 502, which the SDK does not retry.
"""

from __future__ import annotations

from .._translate.errors import error_body
from .steps import Headers, Reply

# One answer's body: TGI's `/generate` with `details` lists every token (with `top_n_tokens`, their
# alternatives too), some hundred bytes a token: about 50 MB for 128k tokens with five alternatives.
MAX_BODY_BYTES = 64 * 2**20
# The SDK retries 5xx answers unless told not to: a malformed answer is not a passing failure.
MALFORMED_HEADERS: Headers = [(b"content-type", b"application/json"), (b"x-should-retry", b"false")]


def malformed(message: str) -> Reply:
    return Reply(502, MALFORMED_HEADERS, error_body(message, "malformed_response"))


def unreadable(headers: Headers, size: int = 0) -> Reply | None:
    """The 502 for an answer encoded although the shim asked for `identity`, or larger than the cap; else None."""
    if size > MAX_BODY_BYTES:
        return malformed(f"the Hugging Face endpoint sent an answer larger than {MAX_BODY_BYTES} bytes")
    for name, value in headers:
        if name.lower() == b"content-encoding" and value.strip().lower() != b"identity":
            encoding = value[:50].decode("latin-1")
            return malformed(f"the Hugging Face endpoint answered with content-encoding {encoding!r}, not identity")
    return None

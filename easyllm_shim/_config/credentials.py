"""The Hugging Face token, and which endpoints it may be sent to."""

from __future__ import annotations

import threading
from collections.abc import Mapping

from .hub import is_hf_host


class Credentials:
    """The Hugging Face token, with huggingface_hub's stored login looked up only when first needed.

    An explicit token (code, HUGGINGFACE_TOKEN, HF_TOKEN) goes to every Hugging Face endpoint the
    shim routes to. The stored login is implicit, so it goes only to Hugging Face's own hosts,
    never to a self-hosted TGI URL.
    """

    def __init__(self, explicit: str | None, *, stored_login: bool = True) -> None:
        self._explicit = explicit or None
        self._use_stored_login = stored_login and self._explicit is None
        self._stored: str | None = None
        self._stored_read = False
        self._lock = threading.Lock()

    def token_for(self, url: str) -> str | None:
        if self._explicit is not None:
            return self._explicit
        if not self._use_stored_login or not is_hf_host(url):
            return None
        if not self._stored_read:
            with self._lock:
                if not self._stored_read:
                    self._stored = _stored_login()
                    self._stored_read = True
        return self._stored

    @property
    def explicit_token(self) -> str | None:
        """For redaction (event log, doctor): the token given in code or the environment, if any."""
        return self._explicit


def _stored_login() -> str | None:
    from huggingface_hub import get_token  # slow to import; only reached on the first routed call

    token: str | None = get_token()
    return token


def env_token(environ: Mapping[str, str]) -> str | None:
    return environ.get("HUGGINGFACE_TOKEN") or environ.get("HF_TOKEN") or None

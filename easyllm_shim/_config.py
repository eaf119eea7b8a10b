"""One typed configuration, read once at `patch()` time from keyword arguments and the environment.

Keyword arguments win over environment variables, as explicit arguments win over `OPENAI_API_KEY`
in the openai SDK itself.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from ._routing import is_hub_model

# Today's serverless text-generation endpoint (tgi-protocol.md §6.2): the hf-inference provider of
# the router, one URL per model, speaking TGI's compat `/` route.
DEFAULT_API_BASE = "https://router.huggingface.co/hf-inference/models"
_HF_HOST_SUFFIXES = (".huggingface.co", ".huggingface.cloud", ".hf.space")
_HF_HOSTS = ("huggingface.co",)


class ConfigError(ValueError):
    """A configuration value that cannot be used; the message names the variable and the bad part."""


def is_hf_host(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return host in _HF_HOSTS or host.endswith(_HF_HOST_SUFFIXES)


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
    def has_explicit_token(self) -> bool:
        return self._explicit is not None


def _stored_login() -> str | None:
    from huggingface_hub import get_token  # slow to import; only reached on the first routed call

    token: str | None = get_token()
    return token


def env_token(environ: Mapping[str, str]) -> str | None:
    return environ.get("HUGGINGFACE_TOKEN") or environ.get("HF_TOKEN") or None


def _check_url(name: str, value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"{name}: {value!r} is not an http(s) URL")
    return value.rstrip("/")


@dataclass(frozen=True)
class Config:
    """Everything routing and the TGI backend need, validated."""

    api_base: str = DEFAULT_API_BASE
    credentials: Credentials = field(default_factory=lambda: Credentials(None))
    route: Callable[[str], bool] = is_hub_model
    prompt_format: Any = None
    prompt_formats: Mapping[str, Any] = field(default_factory=dict)

    def base_for(self, model: str) -> str:
        """The TGI root or serverless base that `model`'s calls go to."""
        return self.api_base

    @classmethod
    def from_sources(
        cls,
        *,
        environ: Mapping[str, str] | None = None,
        token: str | None = None,
        api_base: str | None = None,
        route: Callable[[str], bool] | None = None,
        prompt_format: Any = None,
        prompt_formats: Mapping[str, Any] | None = None,
    ) -> Config:
        env = os.environ if environ is None else environ
        base = api_base or env.get("HUGGINGFACE_API_BASE") or DEFAULT_API_BASE
        source = "api_base" if api_base else "HUGGINGFACE_API_BASE"
        if route is not None and not callable(route):
            raise ConfigError(f"route: expected a callable taking a model id, got {route!r}")
        return cls(
            api_base=_check_url(source, base),
            credentials=Credentials(token or env_token(env)),
            route=route or is_hub_model,
            prompt_format=prompt_format,
            prompt_formats=dict(prompt_formats or {}),
        )

"""Where one model's calls go: the server's URL, the kind of API it speaks there, and the headers it gets."""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit, urlunsplit

from .._config.settings import Config

# TGI's own name for "whatever model this server runs" (its Messages API uses it the same way); the
# EasyLLM client sends it when called without a model, meaning "post to api_base itself".
SERVER_MODEL = "tgi"
# A caller's own headers that mean something to a Hugging Face endpoint (the serverless API's
# `x-wait-for-model` and `x-use-cache`, the router's `x-hf-bill-to`) reach it; every other header of
# a call (OpenAI's credentials, a proxy's key, the SDK's own) never does.
HF_CALL_HEADERS = frozenset({"x-wait-for-model", "x-use-cache", "x-hf-bill-to"})
# The OpenAI paths a routed call may take (`Upstream._plan` has a planner for each).
PATHS = frozenset({"/chat/completions", "/completions", "/embeddings", "/responses"})


# The kinds of endpoint, by the shape of the URL configured for it (docs/backends.md):
TGI = "tgi"  # a TGI (or TEI) root: /generate, /generate_stream, /info, /embed; the prompt is built here
SERVERLESS = "serverless"  # the serverless API: one URL per model, TGI's compat route `/`, no /info
OPENAI = "openai"  # an OpenAI-compatible server (vLLM, SGLang, the router, ...): a base ending in /v1


@dataclass(frozen=True, slots=True)
class Endpoint:
    """Where one model's calls go, which `kind` of server it is, and the headers every request to it carries."""

    url: str
    kind: str
    headers: Mapping[str, str]
    query: str = ""  # the configured URL's query string (`?api-version=...`), which every request carries

    def at(self, path: str) -> str:
        """The URL of `path` under this endpoint, with its query string."""
        return f"{self.url}{path}{self.query}"

    @property
    def serverless(self) -> bool:
        return self.kind == SERVERLESS

    def url_for(self, task: str, stream: bool) -> str:
        """TGI's `/generate(_stream)` or compat route, TEI's `/embed` or the serverless feature-extraction pipeline."""
        if task == "embed":
            return self.at("/pipeline/feature-extraction" if self.serverless else "/embed")
        if self.serverless:
            return self.at("")
        return self.at("/generate_stream" if stream else "/generate")


def endpoint_for(config: Config, model: str) -> Endpoint:
    """The endpoint of `model` (its first replica's)."""
    return endpoint_at(config, model, config.base_for(model))


def endpoints_for(config: Config, model: str) -> tuple[Endpoint, ...]:
    """The endpoint of each replica of `model`."""
    return tuple(endpoint_at(config, model, base) for base in config.bases_for(model))


def endpoint_at(config: Config, model: str, configured: str) -> Endpoint:
    """The endpoint of `model` at one configured URL: its path decides the kind (docs/backends.md)."""
    base, _, query = configured.partition("?")
    query = f"?{query}" if query else ""
    base, basic = _userinfo_as_basic_auth(base)
    path = urlsplit(base).path.rstrip("/")
    if path.endswith("/v1"):
        url, kind = base, OPENAI
    elif path.endswith("/models") and model != SERVER_MODEL:  # the serverless API: one URL per model
        url, kind = f"{base}/{model}", SERVERLESS
    else:
        url, kind = base, SERVERLESS if "/models/" in path else TGI
    # `identity`: bodies arrive as they are on the wire, so drivers read them without a decoding layer.
    headers = {
        "content-type": "application/json",
        "accept": "application/json, text/event-stream",
        "accept-encoding": "identity",
    }
    token = config.credentials.token_for(url)
    if basic is not None:  # the URL's own credentials, written for that server, rather than the token
        headers["authorization"] = basic
    elif token:
        headers["authorization"] = f"Bearer {token}"
    return Endpoint(url=url, kind=kind, headers=headers, query=query)


def _userinfo_as_basic_auth(url: str) -> tuple[str, str | None]:
    """`http://user:password@host/...` as the URL without them and their Basic `authorization`, as httpx and
    requests send them; a URL without userinfo as it is."""
    parts = urlsplit(url)
    userinfo, at, host = parts.netloc.rpartition("@")
    if not at:
        return url, None
    user, _, password = userinfo.partition(":")
    credentials = base64.b64encode(f"{unquote(user)}:{unquote(password)}".encode()).decode()
    return urlunsplit(parts._replace(netloc=host)), f"Basic {credentials}"


def hf_call_headers(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    """The Hugging Face headers among those a caller gave one call."""
    return {name: value for name, value in headers if name.lower() in HF_CALL_HEADERS}

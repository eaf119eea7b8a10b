"""What belongs to Hugging Face: Hub repo ids (the default routing rule), the hosts it runs, its default endpoint."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

# Hugging Face's Inference Providers router: OpenAI-compatible, it serves the Hub's chat models through
# the providers an account enables (`model:provider` or `model:fastest` picks one).
DEFAULT_API_BASE = "https://router.huggingface.co/v1"
# The serverless API of old (the hf-inference provider, one URL per model, TGI's compat `/` route): the
# EasyLLM client's default, as EasyLLM's was.
SERVERLESS_API_BASE = "https://router.huggingface.co/hf-inference/models"
OPENAI_API_BASE = "https://api.openai.com/v1"

# Hub rules: alphanumerics, '-', '_' and '.', no '--' or '..', no leading/trailing '-' or '.',
# at most 96 characters per part. `gpt-4o`, `o3`, `ft:gpt-4o:org::id` and Azure deployment
# names have no '/' and pass through.
_PART = r"(?!.*(?:--|\.\.))[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,94}[A-Za-z0-9_])?"
# The router's suffix picks a provider or a policy: `:fastest`, `:cheapest`, `:together`, ...
_HUB_MODEL = re.compile(rf"{_PART}/{_PART}(?::[A-Za-z0-9][A-Za-z0-9._-]*)?")
# Hosts Hugging Face itself runs. Not `*.hf.space`: anyone can create a Space.
_HF_HOST_SUFFIXES = (".huggingface.co", ".huggingface.cloud")
_HF_HOSTS = ("huggingface.co",)


def is_hub_model(model: str) -> bool:
    """True for a Hugging Face Hub repo id such as `meta-llama/Llama-2-70b-chat-hf`, or one with the router's
    provider suffix, such as `meta-llama/Llama-3.1-8B-Instruct:fastest`."""
    return "/" in model and _HUB_MODEL.fullmatch(model) is not None


def is_hf_host(url: str) -> bool:
    """An https URL on a host Hugging Face runs (the Hub, Inference Endpoints, the router), where its stored
    login may go."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    return parts.scheme.lower() == "https" and (host in _HF_HOSTS or host.endswith(_HF_HOST_SUFFIXES))

"""Which calls go to Hugging Face: a model id of the Hub's `owner/name` shape."""

from __future__ import annotations

import re

# Hub rules: alphanumerics, '-', '_' and '.', no '--' or '..', no leading/trailing '-' or '.',
# at most 96 characters per part. `gpt-4o`, `o3`, `ft:gpt-4o:org::id` and Azure deployment
# names have no '/' and pass through.
_PART = r"(?!.*(?:--|\.\.))[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,94}[A-Za-z0-9_])?"
_HUB_MODEL = re.compile(rf"{_PART}/{_PART}")


def is_hub_model(model: str) -> bool:
    """True for a Hugging Face Hub repo id such as `meta-llama/Llama-2-70b-chat-hf`."""
    return "/" in model and _HUB_MODEL.fullmatch(model) is not None

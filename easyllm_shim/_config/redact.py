"""Secrets out of what the shim shows (doctor, logs, the event log): tokens, and the credentials a URL may carry."""

from __future__ import annotations

import logging
import re

# Prompts are the caller's data: logged only where asked for (this logger at DEBUG, or the EasyLLM
# client's `debug=True`), never because the root logger is at DEBUG.
prompt_log = logging.getLogger("easyllm_shim.prompts")
if prompt_log.level == logging.NOTSET:
    prompt_log.setLevel(logging.INFO)

# `scheme://user:password@host`: the userinfo goes, the host stays.
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s?#@]*@")
# Query parameters that carry a credential (`?api_key=`, Azure's `api-key`, a signed URL's `sig`).
_SECRET_QUERY = re.compile(
    r"(?i)([?&;](?:api[_-]?key|key|token|access[_-]?token|auth|password|secret|sig|signature)=)[^&;#\s]*"
)


def redact_token(secret: str) -> str:
    """`hf_***abcd`: enough to tell tokens apart, too little to use one."""
    prefix = "hf_" if secret.startswith("hf_") else ""
    return f"{prefix}***{secret[-4:]}" if len(secret) >= 12 else f"{prefix}***"


def without_credentials(text: str) -> str:
    """`text` (a URL, or a message naming URLs) with each URL's userinfo and credential query values as `***`."""
    if "@" in text:
        text = _USERINFO.sub(r"\1***@", text)
    if "=" in text:
        text = _SECRET_QUERY.sub(r"\1***", text)
    return text

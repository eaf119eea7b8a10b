"""One routed chat call, as each alternative makes it against the same TGI server.

| candidate | what it sends |
|---|---|
| easyllm-shim | the patched openai SDK; the shim translates to TGI's `/generate` |
| openai SDK → Messages API | unpatched `OpenAI(base_url=<server>/v1)`, TGI's `/v1/chat/completions` |
| InferenceClient | `huggingface_hub.InferenceClient(base_url=<server>).chat_completion`, `/v1/chat/completions` |
| LiteLLM huggingface/ | `litellm.completion(model="huggingface/<repo>", api_base=<server>)`, `/v1/chat/completions` |
| LiteLLM openai/ | `litellm.completion(model="openai/<repo>", api_base=<server>/v1)`, `/v1/chat/completions` |
| raw httpx2 / requests | a prebuilt `/generate` body POSTed, JSON decoded: the floor |
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import Any

import openai
from _canned import Recording, client
from _measure import Candidate

from easyllm_shim._client_api.http import sdk_default

# LiteLLM downloads its model-cost map at import unless told not to.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

SHIM = "easyllm-shim → /generate"
SHIM_OPENAI = "easyllm-shim → /v1/chat/completions (OpenAI-compatible)"
# A model named in EASYLLM_ENDPOINTS with the stand-in's /v1 URL: the shim's OpenAI-compatible path.
OPENAI_COMPATIBLE_MODEL = "bench/openai-compatible"
SDK = "openai SDK → /v1/chat/completions"
INFERENCE_CLIENT = "huggingface_hub InferenceClient"
LITELLM_HF = "LiteLLM huggingface/ provider"
LITELLM_OPENAI = "LiteLLM openai/ provider"
RAW_HTTPX = "raw httpx2 POST /generate"
RAW_REQUESTS = "raw requests POST /generate"
SDK_ON_SHIM_ANSWER = "openai SDK reading the shim's answer"
PASS_UNPATCHED = "pass-through, unpatched"
PASS_PATCHED = "pass-through, patched"
OPENAI_KEY = "sk-bench-never-sent-to-tgi"
_NOWHERE = "http://openai.invalid/v1"  # routed calls never reach the caller's base URL
_CANNED_TGI = "http://tgi.invalid/v1"


def _one(call: Callable[[], Any]) -> Callable[[], int]:
    def run() -> int:
        call()
        return 1

    return run


def _litellm(hub_lookups: bool) -> Any:
    """LiteLLM, configured to stay off the network.

    Its huggingface provider GETs `https://huggingface.co/<model>/raw/main/config.json` twice per call
    (`utils._get_max_position_embeddings`, not cached when it fails) and has no setting to stop it.
    Unless `hub_lookups`, the module-level HTTP client that makes those GETs is built with a proxy that
    refuses at once (LiteLLM honours the standard proxy variables), so they fail in microseconds
    instead of waiting on DNS; the chat request itself uses another client and goes straight to TGI.
    """
    import litellm

    litellm.suppress_debug_info = True
    if not hub_lookups:
        saved = os.environ.get("HTTPS_PROXY")
        os.environ["HTTPS_PROXY"] = "http://127.0.0.1:9"  # the discard port: nothing listens there
        try:
            litellm.module_level_client  # noqa: B018 (built lazily, on first access, from the environment)
        finally:
            if saved is None:
                del os.environ["HTTPS_PROXY"]
            else:
                os.environ["HTTPS_PROXY"] = saved
    return litellm


def routed_calls(
    url: str, model: str, messages: list[dict[str, str]], prompt: str, *, hub_lookups: bool = False
) -> list[Candidate]:
    """Candidates for one non-streamed chat call to the TGI server at `url`; clients are built once."""
    import requests
    from huggingface_hub import InferenceClient

    litellm = _litellm(hub_lookups)
    http = sdk_default()
    routed = openai.OpenAI(api_key=OPENAI_KEY, base_url="http://127.0.0.1:9/v1", max_retries=0)
    direct = openai.OpenAI(api_key=OPENAI_KEY, base_url=f"{url}/v1", max_retries=0)
    inference = InferenceClient(base_url=url)
    raw = http.Client(timeout=60)
    session = requests.Session()
    body = json.dumps(
        {"inputs": prompt, "parameters": {"details": True, "return_full_text": False, "do_sample": True}}
    ).encode()
    headers = {"content-type": "application/json"}
    chat: dict[str, Any] = {"model": model, "messages": messages}
    compatible = {**chat, "model": OPENAI_COMPATIBLE_MODEL}
    return [
        Candidate(SHIM, _one(lambda: routed.chat.completions.create(**chat)), patched=True),
        Candidate(SDK, _one(lambda: direct.chat.completions.create(**chat))),
        Candidate(SHIM_OPENAI, _one(lambda: routed.chat.completions.create(**compatible)), patched=True),
        Candidate(INFERENCE_CLIENT, _one(lambda: inference.chat_completion(messages))),
        Candidate(
            LITELLM_HF,
            _one(lambda: litellm.completion(f"huggingface/{model}", messages, api_base=url, api_key="hf_bench")),
        ),
        Candidate(
            LITELLM_OPENAI,
            _one(lambda: litellm.completion(f"openai/{model}", messages, api_base=f"{url}/v1", api_key="x")),
        ),
        Candidate(RAW_HTTPX, _one(lambda: raw.post(f"{url}/generate", content=body, headers=headers).json())),
        Candidate(RAW_REQUESTS, _one(lambda: session.post(f"{url}/generate", data=body, headers=headers).json())),
    ]


def passthrough_calls(url: str, messages: list[dict[str, str]]) -> list[Candidate]:
    """The same non-routed call (`gpt-4o-mini` is not a Hub id), with and without the shim patched."""
    client = openai.OpenAI(api_key=OPENAI_KEY, base_url=f"{url}/v1", max_retries=0)

    def call() -> int:
        client.chat.completions.create(model="gpt-4o-mini", messages=messages)  # type: ignore[arg-type]
        return 1

    return [Candidate(PASS_UNPATCHED, call), Candidate(PASS_PATCHED, call, patched=True)]


def shim_answers(recording: Recording, model: str, messages: list[dict[str, str]]) -> tuple[bytes, bytes]:
    """The bytes the shim hands the SDK for a plain and a streamed call (the shim must be patched)."""
    routed = openai.OpenAI(api_key=OPENAI_KEY, base_url=_NOWHERE, http_client=client(recording, tgi=True))
    plain = routed.chat.completions.with_raw_response.create(model=model, messages=messages)  # type: ignore[arg-type]
    with routed.chat.completions.with_streaming_response.create(
        model=model,
        messages=messages,  # type: ignore[arg-type]
        stream=True,
    ) as response:
        streamed = b"".join(response.iter_bytes())
    return plain.http_response.content, streamed


def canned_calls(recording: Recording, model: str, messages: list[dict[str, str]]) -> list[Candidate]:
    """Routed call, Messages API call, the SDK reading the shim's answer, and pass-through, with canned
    answers: client CPU only. `recording` must carry the shim's answers (`with_shim_answers`) for the
    third: the first and third then differ by the shim's own work, the second and third by the answer."""
    routed = openai.OpenAI(api_key=OPENAI_KEY, base_url=_NOWHERE, http_client=client(recording, tgi=True))
    direct = openai.OpenAI(api_key=OPENAI_KEY, base_url=_CANNED_TGI, http_client=client(recording, tgi=False))
    chat: dict[str, Any] = {"model": model, "messages": messages}
    other: dict[str, Any] = {"model": "gpt-4o-mini", "messages": messages}
    return [
        Candidate(SHIM, _one(lambda: routed.chat.completions.create(**chat)), patched=True),
        Candidate(SDK, _one(lambda: direct.chat.completions.create(**chat))),
        Candidate(SDK_ON_SHIM_ANSWER, _one(lambda: direct.chat.completions.create(**{**chat, "model": "shim"}))),
        Candidate(PASS_UNPATCHED, _one(lambda: direct.chat.completions.create(**other))),
        Candidate(PASS_PATCHED, _one(lambda: direct.chat.completions.create(**other)), patched=True),
    ]

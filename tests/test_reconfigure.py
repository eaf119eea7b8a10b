"""A reconfiguring `patch()` while calls are in flight (issue 15, "Configuration"): each call sees one whole
configuration, never a mix of two, and never fails for it."""

from __future__ import annotations

import threading
from typing import Any

import openai

import easyllm_shim
from easyllm_shim.testing import TGIServer

from .conftest import HF_TOKEN, LLAMA
from .openai_standin import OpenAIStandIn
from .sdk import OPENAI_KEY

MESSAGES: list[Any] = [{"role": "user", "content": "Hi"}]
CALLS = 150


def test_calls_during_reconfiguring_patches_each_go_where_one_configuration_says(
    tgi: TGIServer, openai_api: OpenAIStandIn
) -> None:
    easyllm_shim.patch(api_base=tgi.url, token=HF_TOKEN, model_map={"gpt-3.5-turbo": LLAMA})
    done = threading.Event()

    def reconfigure() -> None:
        mapped = True
        while not done.is_set():
            mapped = not mapped
            easyllm_shim.patch(api_base=tgi.url, token=HF_TOKEN, model_map={"gpt-3.5-turbo": LLAMA} if mapped else {})

    patcher = threading.Thread(target=reconfigure)
    patcher.start()
    try:
        with openai.OpenAI(api_key=OPENAI_KEY, base_url=openai_api.url, max_retries=0) as client:
            models = [
                client.chat.completions.create(model="gpt-3.5-turbo", messages=MESSAGES).model for _ in range(CALLS)
            ]
    finally:
        done.set()
        patcher.join()

    assert set(models) <= {LLAMA, "gpt-3.5-turbo"}  # served by TGI as mapped, or by OpenAI as asked
    generated = [request for request in tgi.requests if request.path == "/generate"]
    assert len(generated) + len(openai_api.requests) == CALLS
    assert models.count(LLAMA) == len(generated)

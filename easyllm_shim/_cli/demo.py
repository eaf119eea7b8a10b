"""`easyllm-shim demo`: an unmodified OpenAI snippet, routed to Llama 2 on a local TGI-protocol server, offline."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from openai.types.chat import ChatCompletionMessageParam

DEMO_REPLY = "Knock knock! Who's there? Llama. Llama who? Llama tell you a joke."


def run_demo(model: str) -> int:
    import openai

    import easyllm_shim
    from easyllm_shim.testing import TGIServer

    with TGIServer(model_id=model, reply=DEMO_REPLY, token_delay=0.05) as server:
        easyllm_shim.patch(api_base=server.url, token="hf_demo_token")
        try:
            # The SDK insists on an OpenAI key even when every call goes to Hugging Face.
            client = openai.OpenAI(api_key=os.environ.get("OPENAI_API_KEY", "sk-demo-unused"))
            messages: list[ChatCompletionMessageParam] = [
                {"role": "system", "content": "You are a helpful, respectful and honest assistant."},
                {"role": "user", "content": "Knock knock."},
            ]
            print(f"TGI-protocol server on {server.url}, serving {model}\n")
            print(f">>> client.chat.completions.create(model={model!r}, messages=...)")
            completion = client.chat.completions.create(model=model, messages=messages)
            print(f"{type(completion).__module__}.{type(completion).__name__}")
            print(f"  content:       {completion.choices[0].message.content!r}")
            print(f"  finish_reason: {completion.choices[0].finish_reason}")
            print(f"  usage:         {completion.usage}\n")
            prompt = server.requests[-1].json()["inputs"]
            print(f"The Llama 2 prompt TGI received:\n  {prompt!r}\n")

            print(">>> ... create(..., stream=True)")
            with client.chat.completions.create(model=model, messages=messages, stream=True) as stream:
                print(f"{type(stream).__module__}.{type(stream).__name__}: ", end="", flush=True)
                for chunk in stream:
                    if chunk.choices and chunk.choices[0].delta.content:
                        print(chunk.choices[0].delta.content, end="", flush=True)
            print("\n")
            for other in ("gpt-4o-mini", "o3", model):
                where = "TGI (Hugging Face)" if easyllm_shim.is_hub_model(other) else "OpenAI, untouched"
                print(f"model={other!r:34} -> {where}")
            client.close()
        finally:
            easyllm_shim.unpatch()
    return 0

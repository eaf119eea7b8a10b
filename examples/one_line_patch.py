"""An OpenAI codebase, unchanged but for one line: Hugging Face models go to TGI, the rest to OpenAI.

python examples/one_line_patch.py            # offline, on a local TGI-protocol server
HUGGINGFACE_API_BASE=http://my-tgi:8080 HF_TOKEN=hf_... python examples/one_line_patch.py
"""

from __future__ import annotations

import os

from _local import tgi_endpoint
from openai import OpenAI

import easyllm_shim

with tgi_endpoint(reply="Paris is the capital of France."):
    easyllm_shim.patch()  # reads HUGGINGFACE_API_BASE and HF_TOKEN

    client = OpenAI(api_key=os.environ.get("OPENAI_API_KEY", "unused-for-hugging-face-models"))
    messages = [{"role": "user", "content": "What is the capital of France?"}]
    completion = client.chat.completions.create(model="meta-llama/Llama-2-7b-chat-hf", messages=messages)
    print(completion.choices[0].message.content)
    print(completion.usage)

    with client.chat.completions.create(
        model="meta-llama/Llama-2-7b-chat-hf", messages=messages, stream=True
    ) as stream:
        for chunk in stream:
            if chunk.choices and chunk.choices[0].delta.content:
                print(chunk.choices[0].delta.content, end="", flush=True)
    print()
    easyllm_shim.unpatch()

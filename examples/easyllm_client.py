"""Code written for EasyLLM keeps working, and now gets genuine openai objects back."""

from __future__ import annotations

from _local import tgi_endpoint

from easyllm_shim.clients import huggingface

with tgi_endpoint(reply="Who's there?") as url:
    huggingface.api_base = url
    huggingface.prompt_builder = "llama2"
    response = huggingface.ChatCompletion.create(
        model="meta-llama/Llama-2-70b-chat-hf",
        messages=[
            {"role": "system", "content": "\nYou are a helpful, respectful and honest assistant."},
            {"role": "user", "content": "Knock knock."},
        ],
        temperature=0.9,
        top_p=0.6,
        max_tokens=1024,
    )
    print(type(response).__name__, repr(response.choices[0].message.content))

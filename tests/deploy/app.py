"""A small OpenAI application that the deployment tests run in fresh interpreters, configured by environment only.

    python app.py [--patch] [--models M1,M2] [--calls N] [--threads T] [--users U1,U2] [--stream-every K]

OPENAI_BASE_URL and OPENAI_API_KEY point the SDK at the OpenAI stand-in; EASYLLM_* and HUGGINGFACE_*
configure the shim. `--patch` is the one line an application adds (`easyllm_shim.patch()`, no
arguments); without it the script never imports easyllm_shim. Call i uses model i mod len(models)
and user i mod len(users); every K-th call streams. Prints one JSON object with one result per call.
"""

from __future__ import annotations

import argparse
import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patch", action="store_true")
    parser.add_argument("--models", default="gpt-4o-mini")
    parser.add_argument("--calls", type=int, default=1)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--users", default="")
    parser.add_argument("--stream-every", type=int, default=0)
    parser.add_argument("--max-retries", type=int, default=2)
    options = parser.parse_args()
    if options.patch:
        import easyllm_shim

        easyllm_shim.patch()

    import openai

    client = openai.OpenAI(max_retries=options.max_retries)
    models = options.models.split(",")
    users = options.users.split(",") if options.users else []

    def call(i: int) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"model": models[i % len(models)], "messages": [{"role": "user", "content": "Hi"}]}
        if users:
            kwargs["user"] = users[i % len(users)]
        result: dict[str, Any] = {"requested": kwargs["model"], "user": kwargs.get("user")}
        try:
            if options.stream_every and i % options.stream_every == 0:
                with client.chat.completions.create(stream=True, **kwargs) as stream:
                    chunks = list(stream)
                served = sorted({chunk.model for chunk in chunks})
                text = "".join(chunk.choices[0].delta.content or "" for chunk in chunks if chunk.choices)
                return {**result, "stream": True, "served": served, "content": text}
            completion = client.chat.completions.create(**kwargs)
            return {
                **result,
                "stream": False,
                "served": [completion.model],
                "content": completion.choices[0].message.content,
            }
        except openai.OpenAIError as error:
            return {**result, "error": type(error).__name__}

    with ThreadPoolExecutor(options.threads) as pool:
        results = list(pool.map(call, range(options.calls)))
    client.close()
    print(json.dumps({"results": results}))


if __name__ == "__main__":
    main()

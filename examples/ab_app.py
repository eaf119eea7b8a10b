"""An unmodified OpenAI app: 40 users ask gpt-4o-mini a question, half of them streamed.

It knows nothing of easyllm-shim; run it under an A/B split as the README's offline walkthrough does:
`python -m easyllm_shim.testing both --port 0 --openai-port 0 -- easyllm-shim run -- python examples/ab_app.py`.
"""

from __future__ import annotations

from openai import OpenAI

client = OpenAI()
served: dict[str, int] = {}
for number in range(40):
    question = [{"role": "user", "content": f"Give user {number} a tip for the day."}]
    if number % 2:
        with client.chat.completions.create(
            model="gpt-4o-mini", messages=question, user=f"user-{number}", max_tokens=48, stream=True
        ) as stream:
            model = next(chunk.model for chunk in stream)
            for _ in stream:
                pass
    else:
        model = client.chat.completions.create(
            model="gpt-4o-mini", messages=question, user=f"user-{number}", max_tokens=48
        ).model
    served[model] = served.get(model, 0) + 1
client.close()
for model, calls in sorted(served.items()):
    print(f"{calls:3} calls served by {model}")

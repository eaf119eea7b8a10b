# EasyLLM's notebooks/stream-text-completions.ipynb (code cells), with `easyllm` imports changed to `easyllm_shim`.

# imports
import easyllm_shim  # for API calls
import time  # for measuring time duration of API calls

from easyllm_shim.clients import huggingface

huggingface.prompt_builder = "llama2"

# a ChatCompletion request
response = huggingface.Completion.create(
    model="meta-llama/Llama-2-70b-chat-hf",
    prompt="Count to 50, with a comma between each number and no newlines. E.g., 1, 2, 3, ...",
    stream=True  # this time, we set stream=True
)

for chunk in response:
    print(chunk)

from easyllm_shim.clients import huggingface

huggingface.prompt_builder = "llama2"

# a ChatCompletion request
response = huggingface.Completion.create(
    model="meta-llama/Llama-2-70b-chat-hf",
    prompt="Count to 10, with a comma between each number and no newlines. E.g., 1, 2, 3, ...",
    stream=True  # this time, we set stream=True
)

for chunk in response:
    print(chunk["choices"][0]["text"],end="")

# EasyLLM's notebooks/text-completion-api.ipynb (code cells), with `easyllm` imports changed to `easyllm_shim`.

# if needed, install and/or upgrade to the latest version of the OpenAI Python library

# import the EasyLLM Python library for calling the EasyLLM API
import easyllm_shim

from easyllm_shim.clients import huggingface

# Example EasyLLM Python library request
MODEL = "meta-llama/Llama-2-70b-chat-hf"
huggingface.prompt_builder = "llama2"

# The module automatically loads the HuggingFace API key from the environment variable HUGGINGFACE_TOKEN or from the HuggingFace CLI configuration file.
# huggingface.api_key="hf_xxx"

response = huggingface.Completion.create(
    model=MODEL,
    prompt="What is the meaning of life?",
    temperature=0.9,
    top_p=0.6,
    max_tokens=1024,
)
response

print(response['choices'][0]['text'])

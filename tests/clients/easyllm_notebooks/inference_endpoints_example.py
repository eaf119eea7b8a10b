# EasyLLM's notebooks/inference-endpoints-example.ipynb (code cells), with `easyllm` imports changed to `easyllm_shim`.
# The endpoint placeholder is the URL a reader fills in: here the test server.

import os

# if needed, install and/or upgrade to the latest version of the OpenAI Python library

from easyllm_shim.clients import huggingface

# Here we overwrite the defaults, you can also use environment variables
huggingface.prompt_builder = "llama2"
huggingface.api_base = os.environ["ENDPOINT_URL"]

# The module automatically loads the HuggingFace API key from the environment variable HUGGINGFACE_TOKEN or from the HuggingFace CLI configuration file.
# huggingface.api_key="hf_xxx"

response = huggingface.ChatCompletion.create(
    messages=[
        {"role": "system", "content": "\nYou are a helpful, respectful and honest assistant. Always answer as helpfully as possible, while being safe.  Your answers should not include any harmful, unethical, racist, sexist, toxic, dangerous, or illegal content. Please ensure that your responses are socially unbiased and positive in nature.\n\nIf a question does not make any sense, or is not factually coherent, explain why instead of answering something not correct. If you don't know the answer to a question, please don't share false information."},
        {"role": "user", "content": "Knock knock."},
        {"role": "assistant", "content": "Who's there?"},
        {"role": "user", "content": "Apple."},
    ],
      temperature=0.9,
      top_p=0.6,
      max_tokens=1024,
)
response

print(response['choices'][0]['message']['content'])

from easyllm_shim.clients import huggingface

huggingface.prompt_builder = "llama2"

# Here you can overwrite the url to your endpoint, can also be localhost:8000
huggingface.api_base = os.environ["ENDPOINT_URL"]

# a ChatCompletion request
response = huggingface.ChatCompletion.create(
    messages=[
        {'role': 'user', 'content': "Count to 10."}
    ],
    stream=True  # this time, we set stream=True
)

for chunk in response:
    delta = chunk['choices'][0]['delta']
    if "content" in delta:
        print(delta["content"],end="")

# EasyLLM's notebooks/falcon-180b-chat.ipynb (code cells), with `easyllm` imports changed to `easyllm_shim`.

# if needed, install and/or upgrade to the latest version of the EasyLLM Python library

# import the EasyLLM Python library for calling the EasyLLM API
import easyllm_shim

import os 
# set env for prompt builder
os.environ["HUGGINGFACE_PROMPT"] = "falcon" # vicuna, wizardlm, stablebeluga, open_assistant
# os.environ["HUGGINGFACE_TOKEN"] = "hf_xxx" 

from easyllm_shim.clients import huggingface
from easyllm_shim.prompt_utils.falcon import falcon_stop_sequences

MODEL="tiiuae/falcon-180B-chat"

response = huggingface.ChatCompletion.create(
    model=MODEL,
    messages=[
        {"role": "system", "content": "\nYou are a helpful, respectful and honest assistant. Always answer as helpfully as possible, while being safe.  Your answers should not include any harmful, unethical, racist, sexist, toxic, dangerous, or illegal content. Please ensure that your responses are socially unbiased and positive in nature.\n\nIf a question does not make any sense, or is not factually coherent, explain why instead of answering something not correct. If you don't know the answer to a question, please don't share false information."},
        {"role": "user", "content": "Knock knock."},
        {"role": "assistant", "content": "Who's there?"},
        {"role": "user", "content": "Cat."},
    ],
      temperature=0.9,
      top_p=0.6,
      max_tokens=1024,
      stop=falcon_stop_sequences,
)
response

print(response['choices'][0]['message']['content'])

# example with a system message
response = huggingface.ChatCompletion.create(
    model=MODEL,
    messages=[
        {"role": "system", "content": "You are a helpful assistant."},
        {"role": "user", "content": "Explain asynchronous programming in the style of math teacher."},
    ],
    stop=falcon_stop_sequences,
)

print(response['choices'][0]['message']['content'])

# EasyLLM's notebooks/stream-chat-completions.ipynb (code cells), with `easyllm` imports changed to `easyllm_shim`.

# imports
import easyllm_shim  # for API calls
import time  # for measuring time duration of API calls

from easyllm_shim.clients import huggingface

# set the prompt builder to llama2
huggingface.prompt_builder = "llama2"

# record the time before the request is sent
start_time = time.time()

# send a ChatCompletion request to count to 100
response = huggingface.ChatCompletion.create(
    model="meta-llama/Llama-2-70b-chat-hf",
    messages=[
        {'role': 'user', 'content': 'Count to 100, with a comma between each number and no newlines. E.g., 1, 2, 3, ...'}
    ],
)

# calculate the time it took to receive the response
response_time = time.time() - start_time

# print the time delay and text received
print(f"Full response received {response_time:.2f} seconds after request")
print(f"Full response received:\n{response}")

reply = response['choices'][0]['message']
print(f"Extracted reply: \n{reply}")

reply_content = response['choices'][0]['message']['content']
print(f"Extracted content: \n{reply_content}")

from easyllm_shim.clients import huggingface


huggingface.prompt_builder = "llama2"

# a ChatCompletion request
response = huggingface.ChatCompletion.create(
    model="meta-llama/Llama-2-70b-chat-hf",
    messages=[
        {'role': 'user', 'content': "What's 1+1? Answer in one word."}
    ],
    stream=True  # this time, we set stream=True
)

for chunk in response:
    print(chunk)

import time
from easyllm_shim.clients import huggingface

huggingface.prompt_builder = "llama2"

# record the time before the request is sent
start_time = time.time()

# send a ChatCompletion request to count to 100
response = huggingface.ChatCompletion.create(
    model="meta-llama/Llama-2-70b-chat-hf",
    messages=[
        {'role': 'user', 'content': 'Count to 50, with a comma between each number and no newlines. E.g., 1, 2, 3, ...'}
    ],
    stream=True  # again, we set stream=True
)

# create variables to collect the stream of chunks
collected_chunks = []
collected_messages = []
# iterate through the stream of events
for chunk in response:
    chunk_time = time.time() - start_time  # calculate the time delay of the chunk
    collected_chunks.append(chunk)  # save the event response
    chunk_message = chunk['choices'][0]['delta']  # extract the message
    collected_messages.append(chunk_message)  # save the message
    print(f"Message received {chunk_time:.2f} seconds after request: {chunk_message}")  # print the delay and text

# print the time delay and text received
print(f"Full response received {chunk_time:.2f} seconds after request")
full_reply_content = ''.join([m.get('content', '') for m in collected_messages])
print(f"Full conversation received: {full_reply_content}")

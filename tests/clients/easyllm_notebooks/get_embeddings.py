# EasyLLM's notebooks/get-embeddings.ipynb (code cells), with `easyllm` imports changed to `easyllm_shim`.

# if needed, install and/or upgrade to the latest version of the OpenAI Python library

# import the EasyLLM Python library for calling the EasyLLM API
import easyllm_shim

# import os 
# os.environ["HUGGINGFACE_TOKEN"] = "hf_xxx"  # Use Environment Variable

from easyllm_shim.clients import huggingface

# The module automatically loads the HuggingFace API key from the environment variable HUGGINGFACE_TOKEN or from the HuggingFace CLI configuration file.
# huggingface.api_key="hf_xxx"

embedding = huggingface.Embedding.create(
    model="sentence-transformers/all-MiniLM-L6-v2",
    input="That's a nice car.",
)

len(embedding["data"][0]["embedding"])

from easyllm_shim.clients import huggingface

# The module automatically loads the HuggingFace API key from the environment variable HUGGINGFACE_TOKEN or from the HuggingFace CLI configuration file.
# huggingface.api_key="hf_xxx"

embedding = huggingface.Embedding.create(
    model="sentence-transformers/all-MiniLM-L6-v2",
    input=["What is the meaning of life?","test"],
)

len(embedding["data"])

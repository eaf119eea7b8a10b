"""EasyLLM-compatible clients: `from easyllm_shim.clients import huggingface`."""

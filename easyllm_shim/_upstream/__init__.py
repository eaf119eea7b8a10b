"""The Hugging Face servers a routed call goes to, sans I/O: each protocol is a generator of I/O steps.

`Upstream.call()` plans a call and returns its flow; a driver (httpx for openai >= 1, requests and
aiohttp for openai 0.28) carries out the steps of `steps.py` and gets back a `Reply` or a `Streaming`.
"""

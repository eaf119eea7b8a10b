"""openai 1.x, 2.x and 3.x: the client API (`OpenAI`, `AsyncOpenAI`), patched where every call reaches the network."""

"""openai 0.28: the module-level API (`openai.ChatCompletion.create`, ...) on the same routing and protocols.

See docs/legacy.md.
"""

"""Pure translation between OpenAI's wire format and TGI's: dicts and bytes in, dicts and bytes out, no I/O."""

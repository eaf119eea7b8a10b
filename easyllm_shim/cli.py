"""The `easyllm-shim` command."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def _demo(arguments: argparse.Namespace) -> int:
    from ._demo import run_demo

    return run_demo(model=arguments.model)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="easyllm-shim", description="Route openai SDK calls for Hugging Face models to TGI."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="offline demo on a local TGI-protocol server")
    demo.add_argument("--model", default="meta-llama/Llama-2-7b-chat-hf", help="Hugging Face model id to route")
    demo.set_defaults(handler=_demo)
    arguments = parser.parse_args(argv)
    result: int = arguments.handler(arguments)
    return result


if __name__ == "__main__":
    sys.exit(main())

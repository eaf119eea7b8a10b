"""`python -m easyllm_shim.testing`: the stand-ins served by hand, until Ctrl-C or while a command runs.

With a command after `--`, the servers stay up while it runs, and the command gets the environment
that points the shim and the openai SDK at them (placeholder credentials, which never leave
loopback); its exit code becomes ours. See docs/testing.md.
"""

from __future__ import annotations

import argparse
import sys
import threading
from collections.abc import Sequence

from .._child import run_child
from .loopback import LoopbackServer
from .openai_compatible import OpenAICompatibleServer
from .tgi import TGIServer

__all__ = ["main"]

# What a program run under the servers needs; the keys are placeholders the stand-ins do not check.
_PLACEHOLDER_OPENAI_KEY = "sk-testing-unused"
_PLACEHOLDER_HF_TOKEN = "hf_testing_unused"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m easyllm_shim.testing",
        description="Serve the testing stand-ins (TGI's protocol, an OpenAI-compatible server, or both) on"
        " loopback until Ctrl-C, or while the command after -- runs.",
        usage="%(prog)s [tgi|openai|both] [options] [-- program args...]",
    )
    parser.add_argument("protocol", nargs="?", choices=("tgi", "openai", "both"), default="tgi", help="default tgi")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="TGI-protocol server port (default 8080; 0: any)")
    parser.add_argument("--openai-port", type=int, default=8000, help="OpenAI stand-in port (default 8000; 0: any)")
    parser.add_argument("--model", default="meta-llama/Llama-2-7b-chat-hf", help="the model the servers run")
    parser.add_argument(
        "--openai-model",
        action="append",
        metavar="NAME",
        help="a name the OpenAI stand-in serves (repeatable; default: gpt-4o-mini and --model)",
    )
    parser.add_argument("--reply", help="the text the model answers (default: filler derived from the prompt)")
    parser.add_argument("--token-delay", type=float, default=0.0, help="seconds per streamed TGI token")
    parser.add_argument("--openai-token-delay", type=float, default=0.0, help="seconds per OpenAI stand-in token")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Start the servers asked for, print their URLs, and serve until interrupted (or the command ends)."""
    given = list(sys.argv[1:] if argv is None else argv)
    split = given.index("--") if "--" in given else len(given)
    arguments, command = _parser().parse_args(given[:split]), given[split + 1 :]
    servers: list[LoopbackServer] = []
    environment: dict[str, str] = {}
    try:
        if arguments.protocol in ("tgi", "both"):
            tgi = TGIServer(
                arguments.model,
                reply=arguments.reply,
                token_delay=arguments.token_delay,
                host=arguments.host,
                port=arguments.port,
            )
            servers.append(tgi.start())
            environment.update(
                HUGGINGFACE_API_BASE=tgi.url, HUGGINGFACE_TOKEN=_PLACEHOLDER_HF_TOKEN, HF_TOKEN=_PLACEHOLDER_HF_TOKEN
            )
            print(f"TGI-protocol server ({arguments.model}): {tgi.url}", flush=True)
        if arguments.protocol in ("openai", "both"):
            names = arguments.openai_model or ["gpt-4o-mini", arguments.model]
            standin = OpenAICompatibleServer(
                arguments.model,
                reply=arguments.reply,
                served_model_name=names,
                token_delay=arguments.openai_token_delay,
                host=arguments.host,
                port=arguments.openai_port,
            )
            servers.append(standin.start())
            environment.update(OPENAI_BASE_URL=standin.url, OPENAI_API_KEY=_PLACEHOLDER_OPENAI_KEY)
            print(f"OpenAI-compatible stand-in ({', '.join(names)}): {standin.url}", flush=True)
    except OSError as error:  # the port is taken, or the host is not ours
        print(f"python -m easyllm_shim.testing: cannot listen: {error}", file=sys.stderr)
        _stop(servers)
        return 2
    try:
        return (
            run_child("python -m easyllm_shim.testing", command, environment) if command else _serve_until_interrupted()
        )
    finally:
        _stop(servers)


def _serve_until_interrupted() -> int:
    print("Serving; Ctrl-C to stop.", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        print("Stopped.", flush=True)
    return 0


def _stop(servers: list[LoopbackServer]) -> None:
    for server in reversed(servers):
        server.stop()

"""The `easyllm-shim` command."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path


def _demo(arguments: argparse.Namespace) -> int:
    from .demo import run_demo

    return run_demo(model=arguments.model)


def _report(arguments: argparse.Namespace) -> int:
    from .._telemetry.report import PlotUnavailable, report

    try:
        print(report(arguments.log, arguments.plot))
    except (OSError, PlotUnavailable) as error:
        print(f"easyllm-shim report: {error}", file=sys.stderr)
        return 2
    return 0


def _run(arguments: argparse.Namespace) -> int:
    from .run import run

    return run(arguments.command)


def _doctor(arguments: argparse.Namespace) -> int:
    from .doctor import doctor

    return doctor(timeout=arguments.timeout)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="easyllm-shim", description="Route openai SDK calls for Hugging Face models to TGI."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="offline demo on a local TGI-protocol server")
    demo.add_argument("--model", default="meta-llama/Llama-2-7b-chat-hf", help="Hugging Face model id to route")
    demo.set_defaults(handler=_demo)
    report = commands.add_parser("report", help="per-arm statistics of an EASYLLM_AB_LOG event log")
    report.add_argument("log", type=Path, help="the JSON-lines event log")
    report.add_argument("--plot", type=Path, metavar="OUT.png", help="also draw latency distributions per arm")
    report.set_defaults(handler=_report)
    run = commands.add_parser(
        "run", help="run a program with the openai SDK patched: easyllm-shim run -- python app.py"
    )
    run.add_argument("command", nargs=argparse.REMAINDER, help="the program and its arguments")
    run.set_defaults(handler=_run)
    doctor = commands.add_parser("doctor", help="effective configuration, routes and endpoint health")
    doctor.add_argument("--timeout", type=float, default=3.0, help="seconds per endpoint check (default 3)")
    doctor.set_defaults(handler=_doctor)
    arguments = parser.parse_args(argv)
    result: int = arguments.handler(arguments)
    return result


if __name__ == "__main__":
    sys.exit(main())

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
        print(report(arguments.log, arguments.plot, arguments.by_replica))
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


_DOCTOR_EXIT_CODES = """exit codes:
  0  the configuration is valid and every endpoint answered its check
  1  an endpoint failed its check (TGI's /health or /info, or /models on an OpenAI-compatible
     server, did not answer 200)
  2  the configuration is invalid (the error names the variable)"""


def main(argv: Sequence[str] | None = None) -> int:
    from .._version import __version__

    parser = argparse.ArgumentParser(
        prog="easyllm-shim",
        description="Route openai SDK calls for Hugging Face models to Hugging Face inference servers.",
    )
    parser.add_argument("--version", action="version", version=f"easyllm-shim {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="command")

    def command(name: str, summary: str, epilog: str | None = None) -> argparse.ArgumentParser:
        # The one line shows in `easyllm-shim --help`, and heads the command's own help.
        description = summary[0].upper() + summary[1:] + "."
        formatter = argparse.RawDescriptionHelpFormatter  # keeps the epilog's lines
        return commands.add_parser(
            name, help=summary, description=description, epilog=epilog, formatter_class=formatter
        )

    demo = command("demo", "offline demo on a local TGI-protocol server")
    demo.add_argument("--model", default="meta-llama/Llama-2-7b-chat-hf", help="Hugging Face model id to route")
    demo.set_defaults(handler=_demo)
    report = command("report", "per-arm statistics of an EASYLLM_AB_LOG event log")
    report.add_argument("log", type=Path, help="the JSON-lines event log")
    report.add_argument("--plot", type=Path, metavar="OUT.png", help="also draw latency distributions per arm")
    report.add_argument(
        "--by-replica", action="store_true", help="one row per replica of a model with several (the event's replica)"
    )
    report.set_defaults(handler=_report)
    run = command("run", "run a program with the openai SDK patched (easyllm-shim run -- python app.py)")
    run.add_argument("command", nargs=argparse.REMAINDER, help="the program and its arguments")
    run.set_defaults(handler=_run)
    doctor = command(
        "doctor",
        "show the effective configuration, where each model goes, and endpoint health",
        epilog=_DOCTOR_EXIT_CODES,
    )
    doctor.add_argument("--timeout", type=float, default=3.0, help="seconds per endpoint check (default 3)")
    doctor.set_defaults(handler=_doctor)
    arguments = parser.parse_args(argv)
    result: int = arguments.handler(arguments)
    return result


if __name__ == "__main__":
    sys.exit(main())

"""The ``newsevents`` command: one entry point, one module per subcommand.

Each module named in ``SUBCOMMANDS`` lives in ``services/commands/`` and exposes
``register(subparsers)``, which adds its parser and sets ``func`` (a callable taking the
parsed namespace and returning an exit status). Modules are imported only here, so a
subcommand's heavy imports (torch, celery) cost nothing until its ``func`` runs.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

SUBCOMMANDS = ("extract", "train", "sweep", "evaluate", "submit", "follow", "requeue", "keys")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand registered."""
    parser = argparse.ArgumentParser(
        prog="newsevents", description="Extract structured events from news articles."
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in SUBCOMMANDS:
        importlib.import_module(f"services.commands.{name}").register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit status."""
    args = build_parser().parse_args(argv)
    status: int = args.func(args)
    return status


if __name__ == "__main__":
    sys.exit(main())

"""``newsevents requeue``: send stale queued/processing articles to the queue again.

The workers do this by themselves on start and periodically (``workers.recovery``); the
command is for operators after an incident, e.g. when Redis lost its queue, who do not
want to wait for the next periodic run or want a shorter staleness threshold.
"""

from __future__ import annotations

import argparse
import json


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "requeue", help="re-queue articles left queued/processing by a lost task"
    )
    parser.add_argument(
        "--older-than",
        type=_non_negative_float,
        default=None,
        metavar="S",
        help="re-queue articles untouched for S seconds "
        "(default: NEWSEVENTS_RECOVERY_STALE_AFTER_S, else the visibility timeout)",
    )
    parser.set_defaults(func=run)


def _non_negative_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--older-than must be seconds, not {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"--older-than must not be negative, not {text}")
    return value


def run(args: argparse.Namespace) -> int:
    from shared.settings import get_settings
    from workers.recovery import StaleRequeuer

    ids = StaleRequeuer(get_settings()).run_once(args.older_than)
    print(json.dumps({"requeued": len(ids), "ids": ids}))
    return 0

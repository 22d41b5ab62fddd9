"""``newsevents requeue``: finish what is stuck now, without waiting for a worker's sweep.

With no option it runs one recovery sweep (``workers.recovery``): articles whose lease
expired, queued articles never sent or whose message is missing from Redis, and done
articles whose announcement was never confirmed; it prints how many of each as JSON. The
workers do the same by themselves every ``recovery_interval_s``; the command is for
operators after an incident, or when no worker runs. ``--older-than S`` instead
requeues every queued/processing article untouched for S seconds, whatever its lease.
"""

from __future__ import annotations

import argparse
import json


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "requeue",
        help="requeue what is stuck: expired leases, unsent or lost messages, unannounced results",
    )
    parser.add_argument(
        "--older-than",
        type=_non_negative_float,
        default=None,
        metavar="S",
        help="instead, requeue every queued/processing article untouched for S seconds",
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
    from workers.recovery import Sweeper

    sweeper = Sweeper(get_settings())
    if args.older_than is not None:
        ids = sweeper.requeue_stale(args.older_than)
        print(json.dumps({"requeued": len(ids), "ids": ids}))
    else:
        print(json.dumps(sweeper.run_once().counts()))
    return 0

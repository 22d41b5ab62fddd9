"""``newsevents follow``: print extraction results as workers finish them.

Reads the results stream as one consumer of a consumer group, so a restarted ``follow``
with the same ``--consumer`` resumes where it stopped and several ``follow`` processes in
one group share the results. Each result is acknowledged after it was printed; delivery
is at-least-once, so a result may be printed twice after a crash (dedupe by article_id).

The stream holds the results of every tenant; ``--tenant`` shows one tenant's only (use a
group of its own for it: entries of other tenants are acknowledged in that group). Reading
the stream needs Redis access, so this is a tool for the operator's trusted backend, not
for API clients.
"""

from __future__ import annotations

import argparse
import os
import socket
import sys

from shared.schemas import ExtractionResult


def default_consumer() -> str:
    """A consumer name unique to this process: ``<hostname>-<pid>``."""
    return f"{socket.gethostname()}-{os.getpid()}"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "follow", help="print extraction results as they arrive on the results stream"
    )
    parser.add_argument("--group", default="cli", help="consumer group (default: cli)")
    parser.add_argument(
        "--consumer", default=None, help="consumer name (default: <hostname>-<pid>)"
    )
    parser.add_argument(
        "--from-start",
        action="store_true",
        help="start the group at the beginning of the stream (rewinds an existing group)",
    )
    parser.add_argument(
        "--tenant",
        default=None,
        help="only this tenant's results (others are acknowledged and skipped in the group)",
    )
    parser.add_argument("--count", type=_positive_int, default=None, help="exit after N results")
    parser.add_argument("--json", action="store_true", help="one JSON result per line")
    parser.set_defaults(func=run)


def _positive_int(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"--count must be a positive integer, not {text}")
    return value


def run(args: argparse.Namespace) -> int:
    import redis

    from shared.settings import get_settings
    from workers.stream import ResultsReader

    settings = get_settings()
    client = redis.Redis.from_url(settings.redis_url)
    reader = ResultsReader(
        client,
        settings.results_stream,
        args.group,
        args.consumer or default_consumer(),
        tenant=args.tenant,
    )
    shown = 0
    try:
        reader.ensure_group(from_start=args.from_start)
        for entry_id, result in reader.entries():
            _show(result, as_json=args.json)
            reader.ack(entry_id)
            shown += 1
            if args.count is not None and shown >= args.count:
                break
    except KeyboardInterrupt:
        pass
    except redis.ConnectionError as exc:
        print(f"error: cannot reach Redis at {settings.redis_url}: {exc}", file=sys.stderr)
        return 1
    finally:
        client.close()
    return 0


def _show(result: ExtractionResult, as_json: bool) -> None:
    if as_json:
        sys.stdout.write(result.model_dump_json() + "\n")
        sys.stdout.flush()
        return

    from services.commands.tables import render_events_table, table_console

    console = table_console()
    console.print(
        f"[bold]{result.article_id}[/bold]: {len(result.events)} event(s) "
        f"by {result.model.name} {result.model.version}"
    )
    if result.events:
        console.print(render_events_table([result]))

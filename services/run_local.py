"""`make run`: the whole newsevents stack on this machine, fed the sample articles in seeds/.

This is the first thing a newcomer runs, so it must work on a fresh clone with nothing but
a Redis server installed: it starts Redis when nothing answers on its port, an intake, an
extraction worker and a callbacks worker (the two queues of ``shared.queues``) as local
processes, and a fresh SQLite store under ``var/run/`` (fresh so that the seed article is
processed again instead of being reported as a duplicate). It then
runs ``newsevents submit seeds/ --wait``, which prints the events table, tells where to
look next, and stops everything it started, also after an error or Ctrl-C. The intake
requires API keys as in production: the stack creates one (tenant ``local``) in the fresh
store and the submission uses it.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from services.intake.client import API_KEY_ENV
from services.local_stack import (
    LOG_DIR,
    LocalStack,
    StackConfig,
    StackError,
    free_port,
    fresh_sqlite_url,
    interrupts_as_errors,
    logs_report,
    model_problem,
    port_answers,
)
from shared.settings import REPO_ROOT, get_settings

#: The SQLite store of a local run (removed at the start of the next run).
RUN_DB = REPO_ROOT / "var" / "run" / "newsevents.db"
#: The sample articles submitted by default.
SEEDS_DIR = REPO_ROOT / "seeds"
#: The intake port tried first; a free one is picked when it is taken.
DEFAULT_PORT = 8000


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Command-line options; every one has a default that suits a first run."""
    parser = argparse.ArgumentParser(
        prog="python -m services.run_local",
        description="Run intake + worker (+ Redis if needed) locally and submit sample articles.",
    )
    parser.add_argument(
        "paths",
        nargs="*",
        type=Path,
        default=[SEEDS_DIR],
        help="articles to submit (.txt with .meta.json, .jsonl, or folders); default seeds/",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("INTAKE_PORT", "0")) or None,
        help=f"intake port (default $INTAKE_PORT, else {DEFAULT_PORT} when free, else any)",
    )
    parser.add_argument(
        "--ready-timeout", type=float, default=180.0, help="seconds to wait for /readyz"
    )
    parser.add_argument(
        "--db", type=Path, default=RUN_DB, help="SQLite file of this run (replaced on start)"
    )
    parser.add_argument(
        "--log-dir", type=Path, default=LOG_DIR, help="where the processes' logs go"
    )
    parser.add_argument(
        "--keep-running",
        action="store_true",
        help="after the submission, keep the stack up until Ctrl-C (to try the API by hand)",
    )
    return parser.parse_args(argv)


def choose_port(requested: int | None) -> int:
    """The requested port, else 8000 when nothing listens there, else a free one."""
    if requested:
        return requested
    return DEFAULT_PORT if not port_answers("127.0.0.1", DEFAULT_PORT) else free_port()


def submit(paths: Sequence[Path], intake_url: str, env: dict[str, str], api_key: str) -> int:
    """Run ``newsevents submit PATH... --wait``, printing to our terminal; its exit status."""
    command = [sys.executable, "-m", "services.cli", "submit", *map(str, paths)]
    env = {**env, API_KEY_ENV: api_key}
    return subprocess.call([*command, "--url", intake_url, "--wait"], env=env, cwd=REPO_ROOT)


def where_next(
    config: StackConfig, db_path: Path, keep_running: bool, own_redis: bool, api_key: str = ""
) -> str:
    """What to look at after the run, with the exact addresses of this run."""
    url = config.intake_url
    follow = f"NEWSEVENTS_REDIS_URL={config.redis_url} .venv/bin/newsevents follow"
    lines = [
        "",
        f"Results are stored in {db_path} (SQLite; DATABASE_URL={config.database_url}).",
        f"Logs of this run: {config.log_dir}/intake.log, worker.log, callbacks.log "
        "(and redis.log if started).",
    ]
    if own_redis and not keep_running:
        lines.append(f"The Redis started for this run stops with it; while it runs: {follow}")
    else:
        lines.append(f"Results are also on the Redis stream; read them with: {follow}")
    if keep_running:
        lines += [
            f"The stack stays up: API docs at {url}/docs, events at {url}/v1/events.",
            f"API key of this run (tenant {config.tenant!r}, this store only): {api_key}",
            f"  curl -H 'Authorization: Bearer {api_key}' {url}/v1/events",
            "Press Ctrl-C to stop it.",
        ]
    else:
        lines.append(
            "To try the API by hand (docs at /docs), keep the stack up with "
            "`make run RUN_ARGS=--keep-running`."
        )
    return "\n".join(lines)


def wait_for_ctrl_c(stack: LocalStack) -> None:
    """Block until Ctrl-C (or until a child dies, which would leave the stack useless)."""
    try:
        while all(process.running for process in stack.processes):
            time.sleep(1.0)
        print("A process of the stack exited:\n" + logs_report(stack.processes), file=sys.stderr)
    except KeyboardInterrupt:
        print("\nStopping.")


def main(argv: Sequence[str] | None = None) -> int:
    """Start the stack, submit the articles, report, stop; the exit status is submit's."""
    args = parse_args(argv)
    settings = get_settings()
    problem = model_problem(settings.model_path)
    if problem is not None:
        print(f"make run: {problem}", file=sys.stderr)
        return 2
    config = StackConfig(
        redis_url=settings.redis_url,
        database_url=fresh_sqlite_url(args.db.resolve()),
        intake_port=choose_port(args.port),
        log_dir=args.log_dir,
        ready_timeout_s=args.ready_timeout,
    )
    print(
        f"Starting intake on {config.intake_url}, a worker and a callbacks worker "
        f"(logs in {config.log_dir}) ..."
    )
    try:
        with interrupts_as_errors(), LocalStack(config) as stack:
            if stack.started_redis:
                print(f"Started a throw-away Redis for {config.redis_url}.")
            print("Stack ready. Submitting:", " ".join(map(str, args.paths)), flush=True)
            status = submit(args.paths, config.intake_url, config.child_env(), stack.api_key)
            report = where_next(
                config, args.db, args.keep_running, stack.started_redis, stack.api_key
            )
            print(report, flush=True)
            if args.keep_running:
                wait_for_ctrl_c(stack)
    except StackError as error:
        print(f"make run: the stack did not come up: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nInterrupted; the processes started here were stopped.", file=sys.stderr)
        return 130
    print("Stopped the processes started for this run.")
    return status


if __name__ == "__main__":
    sys.exit(main())

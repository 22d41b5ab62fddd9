"""`make bench-stack`: what the service around the model costs, in articles per second.

The tagger's own speed is measured by ``workers.tagger.bench``; this benchmark answers the
operator's question next to it: how much of the end-to-end time is the model, and how
much is HTTP, validation, SQL, the queue and the results stream. It pushes N articles
through a real local stack (intake + extraction worker + callbacks worker + Redis + a fresh
SQLite store, started by ``services.local_stack``) and times first POST to last result;
in the same run and on the same articles, it times the tagger alone in-process in batches
of the worker's batch size, once before and once after the stack (their mean: the
machine's speed drifts), and prints both rates and their ratio.

The articles are made from the seed article (windows of its paragraphs, each with its own
first line so ids and content hashes differ): nothing is read from the training data.
Both sides are warmed up first (the worker loads its model lazily on its first task), so
neither figure includes a model load.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import redis

from services.intake.client import IntakeClient, IntakeUnreachable
from services.local_stack import (
    LocalStack,
    StackConfig,
    StackError,
    free_port,
    fresh_sqlite_url,
    interrupts_as_errors,
    model_problem,
)
from shared.schemas import Article
from shared.settings import REPO_ROOT, Settings, get_settings

#: The article the benchmark articles are made from.
SEED_TEXT = REPO_ROOT / "seeds" / "ukrinform-2025-12-06-peace-talks.txt"
#: Publication date of the seed article, given to every benchmark article.
SEED_DATE = dt.date(2025, 12, 6)
#: The store of a benchmark run (removed at the start of the next run).
BENCH_DB = REPO_ROOT / "var" / "bench" / "newsevents.db"
#: Logs of the benchmark's processes (apart from `make run`'s).
BENCH_LOG_DIR = REPO_ROOT / "var" / "log" / "bench"


class BenchError(RuntimeError):
    """The benchmark could not complete (articles failed or never finished)."""


def seed_paragraphs(path: Path = SEED_TEXT) -> list[str]:
    """The non-empty paragraphs of the seed article."""
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def bench_articles(count: int, paragraphs: Sequence[str]) -> list[Article]:
    """``count`` distinct articles: windows of 1-3 consecutive paragraphs, each numbered.

    The numbered first line makes every text (and so every content hash) different, so the
    store's duplicate detection does not skip any of them.
    """
    articles = []
    for index in range(count):
        width = 1 + index % 3
        start = (index * 7) % len(paragraphs)
        window = [paragraphs[(start + offset) % len(paragraphs)] for offset in range(width)]
        header = f"Update {index + 1}: talks on the peace plan continue."
        articles.append(
            Article(
                id=f"bench-{index:05d}",
                text="\n\n".join([header, *window]),
                published_at=SEED_DATE,
                source="newsevents-bench",
            )
        )
    return articles


def post_articles(
    intake_url: str, api_key: str, articles: Sequence[Article], per_request: int
) -> None:
    """POST the articles in batches; any answer but 202 stops the benchmark."""
    with IntakeClient(intake_url, api_key) as client:
        for first in range(0, len(articles), per_request):
            chunk = articles[first : first + per_request]
            answer = client.submit(
                [item.model_dump(mode="json", exclude_none=True) for item in chunk]
            )
            if answer.status_code != 202:
                body = json.dumps(answer.body)[:500]
                raise BenchError(f"POST /v1/articles answered {answer.status_code}: {body}")


def article_statuses(intake_url: str, api_key: str, ids: Sequence[str]) -> dict[str, int]:
    """How many of ``ids`` are in each status, asked of the intake (for failure reports)."""
    counts: dict[str, int] = {}
    with IntakeClient(intake_url, api_key) as client:
        for article_id in ids:
            answer = client.article(article_id)
            status = answer.body.get("status", "?") if answer.status_code == 200 else "missing"
            counts[status] = counts.get(status, 0) + 1
    return counts


def wait_results(
    redis_url: str, stream: str, ids: Sequence[str], intake_url: str, api_key: str, stall_s: float
) -> float:
    """Block until every id has a result on ``stream``; the monotonic time of the last one.

    Gives up when no new result arrived for ``stall_s`` seconds, reporting the statuses of
    the missing articles (failed articles never reach the stream).
    """
    missing = set(ids)
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    last_id = "0-0"
    last_progress = time.monotonic()
    try:
        while missing:
            answer: Any = client.xread({stream: last_id}, count=500, block=1000)
            for _stream, entries in answer or []:
                for entry_id, fields in entries:
                    last_id = entry_id
                    if fields.get("article_id") in missing:
                        missing.discard(fields["article_id"])
                        last_progress = time.monotonic()
            if missing and time.monotonic() - last_progress > stall_s:
                statuses = article_statuses(intake_url, api_key, sorted(missing))
                raise BenchError(
                    f"{len(missing)} of {len(ids)} articles got no result within {stall_s:.0f} s"
                    f" of the previous one; their statuses: {json.dumps(statuses)}"
                )
    finally:
        client.close()
    return last_progress


@dataclass(frozen=True)
class Timing:
    """Seconds spent on a number of articles."""

    articles: int
    seconds: float

    @property
    def rate(self) -> float:
        """Articles per second."""
        return self.articles / self.seconds if self.seconds > 0 else float("inf")


def measure_stack(
    articles: Sequence[Article], warmup: Article, settings: Settings, args: argparse.Namespace
) -> Timing:
    """End-to-end time of ``articles`` through a fresh local stack, after one warm-up article."""
    stream = f"newsevents:bench:{time.time_ns()}"
    config = StackConfig(
        redis_url=settings.redis_url,
        database_url=fresh_sqlite_url(args.db.resolve()),
        intake_port=args.port or free_port(),
        log_dir=args.log_dir,
        extra_env={"NEWSEVENTS_RESULTS_STREAM": stream},
        tenant="bench",
    )
    per_request = min(args.post_batch, settings.max_batch_articles)
    with LocalStack(config) as local:
        url, key = config.intake_url, local.api_key
        try:
            post_articles(url, key, [warmup], 1)
            wait_results(config.redis_url, stream, [warmup.id], url, key, args.stall)
            started = time.monotonic()
            post_articles(url, key, articles, per_request)
            ids = [article.id for article in articles]
            finished = wait_results(config.redis_url, stream, ids, url, key, args.stall)
        finally:
            redis.Redis.from_url(config.redis_url).delete(stream)
    return Timing(len(articles), finished - started)


def measure_tagger(
    articles: Sequence[Article], warmup: Article, settings: Settings
) -> tuple[Callable[[], Timing], str]:
    """A timer of the tagger alone, in-process, on ``articles`` in batches of the worker's
    batch size (loaded and warmed up once, so it can be timed before and after the stack),
    and the device it runs on (what ``auto`` resolved to)."""
    from workers.runtime import load_tagger

    tagger = load_tagger(settings)
    tagger.extract([warmup])
    size = settings.worker_batch_size

    def timed() -> Timing:
        started = time.monotonic()
        for first in range(0, len(articles), size):
            tagger.extract(list(articles[first : first + size]))
        return Timing(len(articles), time.monotonic() - started)

    return timed, str(tagger.device)


def bracketed(before: Timing, after: Timing) -> Timing:
    """The tagger's time as the mean of a run before and a run after the stack's: this
    machine's speed drifts, and a single tagger run on one side of the stack's would count
    the drift as service overhead (or hide some)."""
    return Timing(before.articles, (before.seconds + after.seconds) / 2)


def report(stack: Timing, model: Timing, settings: Settings, device: str) -> str:
    """The comparison as a few aligned lines."""
    ratio = stack.seconds / model.seconds if model.seconds > 0 else float("inf")
    return "\n".join(
        [
            f"newsevents bench-stack: {stack.articles} articles, worker batch "
            f"{settings.worker_batch_size}, device {device}",
            f"  whole stack (POST -> queue -> worker -> store -> stream): "
            f"{stack.seconds:7.2f} s  {stack.rate:7.2f} articles/s",
            f"  tagger alone, in-process (mean of before and after):      "
            f"{model.seconds:7.2f} s  {model.rate:7.2f} articles/s",
            f"  service time / model time: {ratio:.2f}x  (overhead {(ratio - 1) * 100:.0f}%); "
            f"end to end at {1 / ratio:.2f}x the tagger alone's articles/s",
        ]
    )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(prog="python -m services.bench_stack", description=__doc__)
    parser.add_argument(
        "--texts",
        choices=["news", "seed"],
        default="news",
        help="news: articles of 400-800 words from the news corpus, as make bench-tagger "
        "(default); seed: short windows of the seed article's paragraphs",
    )
    parser.add_argument(
        "--articles", type=int, default=None, help="articles to push (48 news, 300 seed)"
    )
    parser.add_argument("--post-batch", type=int, default=100, help="articles per POST (100)")
    parser.add_argument("--port", type=int, default=None, help="intake port (default: free)")
    parser.add_argument("--db", type=Path, default=BENCH_DB, help="SQLite file (replaced)")
    parser.add_argument("--log-dir", type=Path, default=BENCH_LOG_DIR, help="process logs")
    parser.add_argument(
        "--stall", type=float, default=120.0, help="give up after this long without a result"
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="stack runs, each between two runs of the tagger alone; the median is reported",
    )
    args = parser.parse_args(argv)
    if args.articles is None:
        args.articles = 48 if args.texts == "news" else 300
    if args.articles < 1 or args.post_batch < 1 or args.rounds < 1:
        parser.error("--articles, --post-batch and --rounds must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run both measurements and print the comparison."""
    args = parse_args(argv)
    settings = get_settings()
    problem = model_problem(settings.model_path)
    if problem is not None:
        print(f"bench-stack: {problem}", file=sys.stderr)
        return 2
    paragraphs = seed_paragraphs()
    if args.texts == "news":
        from workers.tagger.bench import bench_articles as news_articles

        articles = news_articles(args.articles)
    else:
        articles = bench_articles(args.articles, paragraphs)
    warmup = Article(id="bench-warmup", text="\n\n".join(paragraphs), published_at=SEED_DATE)
    print(
        f"{len(articles)} articles: the tagger alone, the local stack (logs in {args.log_dir}) ..."
    )
    rounds: list[tuple[Timing, Timing]] = []
    try:
        with interrupts_as_errors():
            tagger_alone, device = measure_tagger(articles, warmup, settings)
            before = tagger_alone()
            for number in range(1, args.rounds + 1):
                print(f"  round {number}: tagger alone {before.seconds:.2f} s; the stack ...")
                stack = measure_stack(articles, warmup, settings, args)
                print(f"  stack {stack.seconds:.2f} s; the tagger alone again ...", flush=True)
                after = tagger_alone()
                rounds.append((stack, bracketed(before, after)))
                before = after  # the next round's run before its stack
    except (StackError, BenchError, IntakeUnreachable) as error:
        print(f"bench-stack failed: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nInterrupted; the processes started here were stopped.", file=sys.stderr)
        return 130
    stack, model = median_round(rounds)
    print(report(stack, model, settings, device))
    if len(rounds) > 1:
        ratios = ", ".join(f"{m.seconds / s.seconds:.2f}x" for s, m in rounds)
        print(f"  end to end per round: {ratios}; the median round is shown")
    return 0


def median_round(rounds: list[tuple[Timing, Timing]]) -> tuple[Timing, Timing]:
    """The (stack, tagger) round of median ratio (the slower middle one of an even count)."""
    ordered = sorted(rounds, key=lambda pair: pair[1].seconds / pair[0].seconds)
    return ordered[(len(ordered) - 1) // 2]


if __name__ == "__main__":
    sys.exit(main())

"""``make bench-tagger``: in-process tagger speed on realistic articles.

Articles of 400 to 800 words are assembled from the project's own news corpus
(``workers/tagger/news_corpus/``: wire-style sentences written for newsevents), a few
consecutive sentences per paragraph, so they read like the articles workers get. Each
run prints articles/s, words/s, word pieces/s, the model's share of the wall time (time
in model calls, from ``WordTagger.clock``) and the milliseconds per article spent
outside the model, one article at a time against batched calls in the same process.
``--quantize int8`` compares the int8 encoder with float32 in the same run,
``--profile`` prints the functions that take the most time in the batched run, and
``--baseline-model DIR`` runs another model directory with today's code, and
``--baseline-commit REV`` another commit's tagger, its code and model together, in a
child process (``bench_baseline.py``; ``make bench-tagger BASELINE=DIR`` or
``BASELINE_COMMIT=REV``), and prints the speed against them. This machine's speed drifts
between runs: ``--rounds N`` runs every configuration N times in turn and reports
medians. ``--processes 1,2,4`` also runs that many tagger processes at once on the same
device (a worker pool on one GPU, ``bench_processes.py``) and prints their total rate.

    python -m workers.tagger.bench [--articles 24] [--batch 16] [--model DIR] [--device auto]
        [--quantize off|int8|both] [--profile] [--baseline-model DIR]
        [--baseline-commit REV] [--rounds N] [--processes 1,2,4]
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import pstats
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from shared.schemas import Article
from shared.settings import model_dir
from workers.tagger.bench_baseline import CommitTagger
from workers.tagger.bench_processes import pool_table, run_pool
from workers.tagger.news_corpus import load_corpus
from workers.tagger.sentences import split_sentences
from workers.tagger.tagger import Tagger
from workers.tagger.words import word_spans

PUBLISHED = dt.date(2025, 12, 6)
SENTENCES_PER_PARAGRAPH = 3


def bench_articles(count: int, min_words: int = 400, max_words: int = 800) -> list[Article]:
    """``count`` articles of ``min_words`` to ``max_words`` words from corpus sentences,
    taken in order from a rotating start so that articles differ (deterministic)."""
    sentences = [s.text for s in load_corpus()]
    rng = random.Random(13)
    articles = []
    for number in range(count):
        target = rng.randint(min_words, max_words)
        position = (number * 97) % len(sentences)
        paragraphs: list[str] = []
        words = 0
        while words < target:
            chunk = [
                sentences[(position + k) % len(sentences)] for k in range(SENTENCES_PER_PARAGRAPH)
            ]
            position += SENTENCES_PER_PARAGRAPH
            paragraphs.append(" ".join(chunk))
            words += sum(len(s.split()) for s in chunk)
        articles.append(
            Article(id=f"bench-{number}", text="\n\n".join(paragraphs), published_at=PUBLISHED)
        )
    return articles


def count_pieces(tagger: Tagger, text: str) -> int:
    """Word pieces of ``text``, sentence by sentence as the tagger reads it."""
    total = 0
    for start, end in split_sentences(text):
        words = [text[a:b] for a, b in word_spans(text, start, end)]
        total += sum(len(p) for p in tagger.word_tagger.encoder.word_pieces(words))
    return total


@dataclass
class Run:
    seconds: float
    model_seconds: float


def timed(tagger: Tagger, groups: list[list[Article]]) -> Run:
    clock = tagger.word_tagger.clock
    before = clock.seconds
    started = time.perf_counter()
    for group in groups:
        tagger.extract(group)
    return Run(time.perf_counter() - started, clock.seconds - before)


def median_run(runs: list[Run]) -> Run:
    """The run of median wall time (the middle one of an odd count, the faster middle one
    of an even count): one slow round on a noisy machine does not decide a ratio."""
    ordered = sorted(runs, key=lambda run: run.seconds)
    return ordered[(len(ordered) - 1) // 2]


def profile_top(tagger: Tagger, groups: list[list[Article]], top: int = 15) -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    for group in groups:
        tagger.extract(group)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(top)
    return out.getvalue()


#: Runs one configuration in one mode: a batch size (1: one article at a time) -> Run.
Runner = Callable[[int], Run]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=24)
    parser.add_argument("--batch", type=int, default=16, help="articles per batched call")
    parser.add_argument(
        "--model", type=model_dir, default=None, help="model directory, or default, accurate"
    )
    parser.add_argument("--device", default="auto")
    parser.add_argument(
        "--quantize",
        choices=["off", "int8", "both", "auto"],
        default="both",
        help="float32, int8 encoder, or both in the same run (CPU only for int8)",
    )
    parser.add_argument("--profile", action="store_true", help="print the top functions")
    parser.add_argument(
        "--baseline-model",
        type=model_dir,
        default=None,
        help="also run this model directory (say, the previous release's) with today's code "
        "and print the speed against it",
    )
    parser.add_argument(
        "--baseline-commit",
        default=None,
        help="also run this git commit's tagger, its code and its model, in a child process "
        "(say, the last release) and print the speed against it",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="run every configuration this many times, in turn, and report the median",
    )
    parser.add_argument(
        "--processes",
        type=lambda text: [int(n) for n in text.split(",")],
        default=[],
        help="comma-separated pool sizes: also run that many tagger processes at once on "
        "the device (batched, float model) and print their total articles/s",
    )
    args = parser.parse_args(argv)

    articles = bench_articles(args.articles)
    batches = [articles[i : i + args.batch] for i in range(0, len(articles), args.batch)]
    configurations: list[tuple[str, Runner]] = []
    baselines: list[str] = []
    closers: list[Callable[[], None]] = []
    tagger: Tagger | None = None

    def in_process(loaded: Tagger) -> Runner:
        def run(batch: int) -> Run:
            groups = batches if batch > 1 else [[a] for a in articles]
            return timed(loaded, groups)

        return run

    if args.baseline_commit:
        child = CommitTagger(args.baseline_commit, articles, args.device)
        closers.append(child.close)
        label = f"commit {args.baseline_commit[:10]}"

        def in_child(batch: int) -> Run:
            run = child.run(batch)
            return Run(run.seconds, run.model_seconds)

        configurations.append((label, in_child))
        baselines.append(label)
    if args.baseline_model:
        loaded = Tagger.load(args.baseline_model, args.device, quantize="off")
        loaded.extract(articles[:2])  # warm-up: first calls allocate
        configurations.append(("baseline model", in_process(loaded)))
        baselines.append("baseline model")
    variants = ["off", "int8"] if args.quantize == "both" else [args.quantize]
    for variant in variants:
        loaded = Tagger.load(args.model, args.device, quantize=variant)
        if variant == "int8" and not loaded.word_tagger.quantized:
            continue
        tagger = tagger or loaded
        dtype = str(next(loaded.word_tagger.model.trigger_head.parameters()).dtype)
        label = "int8" if loaded.word_tagger.quantized else dtype.removeprefix("torch.")
        loaded.extract(articles[:2])
        configurations.append((label, in_process(loaded)))
    assert tagger is not None
    words = sum(len(word_spans(a.text)) for a in articles)
    pieces = sum(count_pieces(tagger, a.text) for a in articles)
    print(
        f"tagger benchmark: {len(articles)} articles of 400-800 words from the news corpus, "
        f"{words} words, {pieces} word pieces, device {tagger.device}, "
        f"{args.rounds} round(s), medians"
    )
    modes = [(1, "one at a time"), (args.batch, f"batched ({args.batch}/call)")]
    runs: dict[tuple[str, str], list[Run]] = {}
    for _ in range(max(1, args.rounds)):
        for label, runner in configurations:
            for batch, mode in modes:
                runs.setdefault((label, mode), []).append(runner(batch))
    for close in closers:
        close()
    if args.profile:
        print(f"profile of the batched run, {configurations[-1][0]}:")
        print(profile_top(tagger, batches))

    rows = [(label, mode, median_run(found)) for (label, mode), found in runs.items()]
    print(
        f"{'configuration':<22}{'mode':<22}{'seconds':>9}{'articles/s':>12}{'words/s':>10}"
        f"{'pieces/s':>10}{'model share':>13}{'outside ms/article':>20}"
    )
    for label, mode, run in rows:
        share = f"{100 * run.model_seconds / run.seconds:.0f}%" if run.model_seconds else "-"
        # Time outside the model per article bounds a GPU process's rate (1000 / this), as
        # fast as its GPU may be: the figure to cut for GPU workers, measurable on a CPU.
        outside = 1000 * (run.seconds - run.model_seconds) / len(articles)
        outside_text = f"{outside:.1f}" if run.model_seconds else "-"
        print(
            f"{label:<22}{mode:<22}{run.seconds:>9.2f}{len(articles) / run.seconds:>12.2f}"
            f"{words / run.seconds:>10.0f}{pieces / run.seconds:>10.0f}{share:>13}"
            f"{outside_text:>20}"
        )
    first_label, first_mode, first = rows[0]
    for label, mode, run in rows[1:]:
        print(f"{label}, {mode}: {first.seconds / run.seconds:.2f}x {first_label} {first_mode}")
    if args.processes:
        print(
            f"worker pools on {tagger.device}, batched ({args.batch}/call), each process "
            f"tags all {len(articles)} articles:"
        )
        print(pool_table([run_pool(n, args.model, args.device, batches) for n in args.processes]))
    medians = {(label, mode): run for label, mode, run in rows}
    for baseline in baselines:
        for label, _ in configurations:
            if label in baselines:
                continue
            for _, mode in modes:
                ratio = medians[(baseline, mode)].seconds / medians[(label, mode)].seconds
                print(f"{label}, {mode}: {ratio:.2f}x {baseline}, {mode}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

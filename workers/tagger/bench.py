"""``make bench-tagger``: in-process tagger speed on realistic articles.

Articles of 400 to 800 words are assembled from the project's own news corpus
(``workers/tagger/news_corpus/``: wire-style sentences written for newsevents), a few
consecutive sentences per paragraph, so they read like the articles workers get. Each run
prints articles/s, words/s, word pieces/s and the model's share of the wall time (time in
model calls, from ``WordTagger.clock``), one article at a time against batched calls in the
same process. ``--quantize int8`` compares the int8 encoder with float32 in the same run,
``--profile`` prints the functions that take the most time in the batched run, and
``--baseline-model DIR`` runs another model directory first (float32) and prints the speed
against it (``make bench-tagger BASELINE=DIR``).

    python -m workers.tagger.bench [--articles 24] [--batch 16] [--model DIR] [--device auto]
        [--quantize off|int8|both] [--profile] [--baseline-model DIR]
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import pstats
import random
import time
from dataclasses import dataclass

from shared.schemas import Article
from shared.settings import model_dir
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
    name: str
    seconds: float
    model_seconds: float


def timed(tagger: Tagger, groups: list[list[Article]], name: str) -> Run:
    clock = tagger.word_tagger.clock
    before = clock.seconds
    started = time.perf_counter()
    for group in groups:
        tagger.extract(group)
    return Run(name, time.perf_counter() - started, clock.seconds - before)


def profile_top(tagger: Tagger, groups: list[list[Article]], top: int = 15) -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    for group in groups:
        tagger.extract(group)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(top)
    return out.getvalue()


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
        help="also run this model directory first (say, the previous release) and print "
        "the model's speed against it",
    )
    args = parser.parse_args(argv)

    articles = bench_articles(args.articles)
    variants = ["off", "int8"] if args.quantize == "both" else [args.quantize]
    rows: list[tuple[str, Run]] = []
    header_printed = False
    runs = [(args.model, "", variant) for variant in variants]
    if args.baseline_model:
        runs.insert(0, (args.baseline_model, "baseline ", "off"))
    for directory, prefix, variant in runs:
        tagger = Tagger.load(directory, args.device, quantize=variant)
        if variant == "int8" and not tagger.word_tagger.quantized:
            continue
        if not header_printed:
            words = sum(len(word_spans(a.text)) for a in articles)
            pieces = sum(count_pieces(tagger, a.text) for a in articles)
            print(
                f"tagger benchmark: {len(articles)} articles of 400-800 words from the news "
                f"corpus, {words} words, {pieces} word pieces, device {tagger.device}"
            )
            header_printed = True
        model = tagger.word_tagger.model
        dtype = str(next(model.trigger_head.parameters()).dtype).removeprefix("torch.")
        label = prefix + ("int8" if tagger.word_tagger.quantized else dtype)
        tagger.extract(articles[:2])  # warm-up: first calls allocate
        batches = [articles[i : i + args.batch] for i in range(0, len(articles), args.batch)]
        rows.append((label, timed(tagger, [[a] for a in articles], "one at a time")))
        rows.append((label, timed(tagger, batches, f"batched ({args.batch}/call)")))
        if args.profile:
            print(f"profile of the batched run, {label}:")
            print(profile_top(tagger, batches))
    print(
        f"{'encoder':<15}{'mode':<22}{'seconds':>9}{'articles/s':>12}{'words/s':>10}"
        f"{'pieces/s':>10}{'model share':>13}"
    )
    for label, run in rows:
        print(
            f"{label:<15}{run.name:<22}{run.seconds:>9.2f}{len(articles) / run.seconds:>12.2f}"
            f"{words / run.seconds:>10.0f}{pieces / run.seconds:>10.0f}"
            f"{100 * run.model_seconds / run.seconds:>12.0f}%"
        )
    first = rows[0][1].seconds
    for label, run in rows[1:]:
        print(f"{label}, {run.name}: {first / run.seconds:.2f}x {rows[0][0]} one at a time")
    if args.baseline_model:
        for (label, run), (_, base) in zip(rows[2:4], rows[:2], strict=True):
            print(f"{label}, {run.name}: {base.seconds / run.seconds:.2f}x the baseline model")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

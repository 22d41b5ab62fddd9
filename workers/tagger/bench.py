"""``make bench-tagger``: in-process tagger speed, batched against one article at a time.

Both runs use the same articles in the same process, so the printed ratio says what
token-budget batching buys on this machine. Articles are built from the seed article's
paragraphs (several paragraphs per article, rotated so articles differ).

    python -m workers.tagger.bench [--articles 48] [--model DIR] [--device auto]
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from pathlib import Path

from shared.schemas import Article
from shared.settings import REPO_ROOT
from workers.tagger.tagger import Tagger
from workers.tagger.words import word_spans

PUBLISHED = dt.date(2025, 12, 6)
SEED_TEXT = REPO_ROOT / "seeds" / "ukrinform-2025-12-06-peace-talks.txt"


def bench_articles(count: int, seed_text: Path = SEED_TEXT) -> list[Article]:
    """``count`` articles of 3 consecutive seed paragraphs each, starting at rotating offsets."""
    paragraphs = [p.strip() for p in seed_text.read_text(encoding="utf-8").split("\n") if p.strip()]
    articles = []
    for number in range(count):
        first = number % len(paragraphs)
        chosen = [paragraphs[(first + k) % len(paragraphs)] for k in range(3)]
        articles.append(
            Article(
                id=f"bench-{number}",
                text="\n\n".join(chosen),
                published_at=PUBLISHED,
            )
        )
    return articles


def timed(tagger: Tagger, groups: list[list[Article]]) -> float:
    started = time.perf_counter()
    for group in groups:
        tagger.extract(group)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=48)
    parser.add_argument("--batch", type=int, default=16, help="articles per batched call")
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--device", default="auto")
    args = parser.parse_args(argv)

    tagger = Tagger.load(args.model, args.device)
    articles = bench_articles(args.articles)
    words = sum(len(word_spans(a.text)) for a in articles)
    pieces = sum(
        sum(
            len(p)
            for p in tagger.word_tagger.encoder.word_pieces(
                [a.text[s:e] for s, e in word_spans(a.text)]
            )
        )
        for a in articles
    )
    tagger.extract(articles[:2])  # warm-up: first calls allocate
    single = timed(tagger, [[a] for a in articles])
    batched = timed(
        tagger, [articles[i : i + args.batch] for i in range(0, len(articles), args.batch)]
    )
    print(
        f"tagger benchmark: {len(articles)} articles, {words} words, {pieces} word pieces, "
        f"device {tagger.device}"
    )
    print(f"{'mode':<22}{'seconds':>9}{'articles/s':>12}{'tokens/s':>11}")
    for name, seconds in (("one at a time", single), (f"batched ({args.batch}/call)", batched)):
        print(f"{name:<22}{seconds:>9.2f}{len(articles) / seconds:>12.2f}{pieces / seconds:>11.0f}")
    print(f"batched / one-at-a-time throughput ratio: {single / batched:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

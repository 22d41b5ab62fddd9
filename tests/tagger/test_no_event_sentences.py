"""Over-triggering: the default model stays quiet on sentences that hold no event.

The GENEVA training data has no such sentences, which is what makes plain fine-tunes fire
on everything; the project's negatives and the tuned trigger threshold are meant to fix
that. The sentences here were written for this test and are not in the training data.
"""

from __future__ import annotations

from pathlib import Path

from shared.schemas import Article
from workers.tagger.tagger import Tagger

SENTENCES = [
    line
    for line in (Path(__file__).parent / "data" / "no_event_sentences.txt").read_text().splitlines()
    if line.strip() and not line.startswith("#")
]


def test_at_most_one_in_ten_event_free_sentences_gets_an_event(tagger: Tagger) -> None:
    articles = [Article(id=f"n{i}", text=s) for i, s in enumerate(SENTENCES)]
    fired = {r.article_id: [e.trigger.text for e in r.events] for r in tagger.extract(articles)}
    noisy = {k: v for k, v in fired.items() if v}
    assert len(noisy) <= len(SENTENCES) // 10, noisy

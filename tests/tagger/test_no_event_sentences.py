"""Over-triggering: the default model stays quiet on sentences that hold no event.

The GENEVA training data has no such sentences, which is what makes plain fine-tunes fire
on everything; the project's negatives and the tuned trigger threshold are meant to fix
that. The sentences here were written for this test and are not in the training data.
"""

from __future__ import annotations

from pathlib import Path

from shared.schemas import Article
from workers.tagger.news_corpus import load_split
from workers.tagger.news_corpus.tokens import to_sentence
from workers.tagger.tagger import Tagger
from workers.tagger.thresholds import gold_events
from workers.tagger.training import evaluate_news

SENTENCES = [
    line
    for line in (Path(__file__).parent / "data" / "no_event_sentences.txt").read_text().splitlines()
    if line.strip() and not line.startswith("#")
]


def test_event_free_sentences_get_no_plover_code_and_few_events(tagger: Tagger) -> None:
    """No sentence here gets a PLOVER code, and at most one in five gets a tagger event.

    Model 0.4.0 tags four of the 20 (0.3.0: two): "teacher" (Education_teaching) and
    "report" (Statement) as 0.3.0 did, and now "open" (Openness) and "traded" (Exchange),
    which GENEVA's FrameNet-style annotation does tag as events in other sentences. On the
    360 event-free sentences of the news dev set, the larger sample, 0.4.0 fires fewer news
    event types than 0.3.0 (31.4 against 38.9 per 100); the test below pins that set.
    """
    articles = [Article(id=f"n{i}", text=s) for i, s in enumerate(SENTENCES)]
    results = tagger.extract(articles)
    coded = {r.article_id: [e.trigger.text for e in r.events if e.plover] for r in results}
    assert not any(coded.values()), coded
    fired = {r.article_id: [e.trigger.text for e in r.events] for r in results}
    noisy = {k: v for k, v in fired.items() if v}
    assert len(noisy) <= len(SENTENCES) // 5, noisy


def test_the_news_dev_sets_event_free_sentences_get_few_plover_events(tagger: Tagger) -> None:
    """On the news dev set's event-free sentences (never trained on; mostly hard negatives
    written to look like news events), at most 5 PLOVER events per 100 sentences.

    Model 0.4.0 fires 3.9 per 100 (0.3.0: 6.1, which this floor would reject)."""
    dev = [to_sentence(s) for s in load_split("dev")]
    free = [
        s for s, gold in zip(dev, gold_events(dev), strict=True) if not any(e.plover for e in gold)
    ]
    report = evaluate_news(tagger.word_tagger, free)
    summary = report["event_free"]
    assert isinstance(summary, dict) and summary["sentences"] == len(free) >= 300
    assert summary["plover_events_per_100"] <= 5.0, summary

"""The corpus in the repository: clean under the checker and as large as the issue asks."""

from __future__ import annotations

from workers.tagger.news_corpus import NEWS_KINDS, authored_files, load_corpus
from workers.tagger.news_corpus.check import check_files, default_ontology
from workers.tagger.news_corpus.plover_modes import PLOVER_CATEGORIES

#: Types that carry a news kind but are not marked everywhere (so not in NEWS_TYPES).
OTHER_TYPES = {
    "Terrorism", "Agree_or_refuse_to_act", "Ratification", "Assistance", "Giving", "Supply",
    "Commerce_pay", "Sending", "Commitment", "Warning", "Criminal_investigation",
    "Change_of_leadership",
}  # fmt: skip

#: At least this many events per PLOVER category and per news event type, and negatives.
MIN_PER_CATEGORY = 120
MIN_PER_NEWS_TYPE = 60
MIN_NEGATIVES = 600


def test_the_bundled_corpus_is_clean_and_large_enough() -> None:
    report = check_files(authored_files(), default_ontology())
    assert report.problems == []
    for category in PLOVER_CATEGORIES:
        count = report.plover[(category, "train")] + report.plover[(category, "dev")]
        assert count >= MIN_PER_CATEGORY, category
    negatives = report.negatives["train"] + report.negatives["dev"]
    assert negatives >= MIN_NEGATIVES
    dev_share = report.sentences["dev"] / sum(report.sentences.values())
    assert dev_share >= 0.2


def test_news_event_kinds_are_covered() -> None:
    sentences = load_corpus()
    counts = {
        kind: sum(1 for s in sentences for e in s.events if e.tagger_type in types)
        for kind, (types, _) in NEWS_KINDS.items()
    }
    counts["phone calls"] = sum(
        1 for s in sentences for e in s.events if e.plover == "CONSULT" and "phone" in e.modes
    )
    low = {kind: n for kind, n in counts.items() if n < MIN_PER_NEWS_TYPE}
    assert low == {}, low

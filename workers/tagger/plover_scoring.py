"""Scores of the PLOVER coder and of the news event types, on sentences with a PLOVER layer.

* **Category**: a predicted PLOVER event is correct when a gold event of the same category
  has an overlapping trigger (each gold event matched once). Precision, recall and F1 per
  category and their macro average over the categories the gold data holds.
* **Actor / recipient**: span F1. A predicted span is correct when its event matched a gold
  event and the span equals one of that gold event's spans of the same side, exactly.
* **Sentence level**, the way a news user meets the coder: the share of gold PLOVER events
  whose category (and actor) the model gives anywhere in the same sentence.
* **News types**: trigger precision, recall and F1 per tagger type (exact span and type), for
  the types the corpus always marks (``NEWS_TYPES``); other types are marked only sometimes,
  so their precision could not be counted.
* **News kinds** (protests, attacks, arrests, ... as ``news_corpus.NEWS_KINDS`` lists them):
  trigger recall as a news user meets it: a gold event of the kind is found when an event
  with an overlapping trigger carries one of the kind's tagger types or PLOVER categories.
* **Event-free sentences**: PLOVER events and news-type events fired per 100 sentences that
  hold no PLOVER event.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from workers.tagger.inference import WordArgument, WordEvent
from workers.tagger.news_corpus import NEWS_KINDS, NEWS_TYPES
from workers.tagger.scoring import Score


@dataclass
class PloverReport:
    """Everything ``score_plover`` counts; ``as_dict`` gives the JSON shape."""

    categories: dict[str, Score] = field(default_factory=dict)
    actor: Score = field(default_factory=Score)
    recipient: Score = field(default_factory=Score)
    modes: Score = field(default_factory=Score)
    sentence_category: Score = field(default_factory=Score)
    sentence_actor: Score = field(default_factory=Score)
    news_types: dict[str, Score] = field(default_factory=dict)
    news_kinds: dict[str, Score] = field(default_factory=dict)
    event_free_sentences: int = 0
    event_free_plover_events: int = 0
    event_free_news_events: int = 0

    @property
    def macro_f1(self) -> float:
        scored = [s for s in self.categories.values() if s.gold]
        return sum(s.f1 for s in scored) / len(scored) if scored else 0.0

    @property
    def micro(self) -> Score:
        total = Score()
        for score in self.categories.values():
            total.predicted += score.predicted
            total.gold += score.gold
            total.correct += score.correct
        return total

    def as_dict(self) -> dict[str, object]:
        per_100 = 100.0 / self.event_free_sentences if self.event_free_sentences else 0.0
        return {
            "category_macro_f1": round(self.macro_f1, 2),
            "category_micro": self.micro.as_dict(),
            "categories": {k: v.as_dict() for k, v in sorted(self.categories.items())},
            "actor": self.actor.as_dict(),
            "recipient": self.recipient.as_dict(),
            "modes": self.modes.as_dict(),
            "sentence_category_recall": round(self.sentence_category.recall, 2),
            "sentence_actor_recall": round(self.sentence_actor.recall, 2),
            "news_types": {k: v.as_dict() for k, v in sorted(self.news_types.items())},
            "news_kind_recall": {k: round(v.recall, 2) for k, v in self.news_kinds.items()},
            "event_free": {
                "sentences": self.event_free_sentences,
                "plover_events_per_100": round(self.event_free_plover_events * per_100, 2),
                "news_type_events_per_100": round(self.event_free_news_events * per_100, 2),
            },
        }


def _overlaps(a: WordEvent, b: WordEvent) -> bool:
    return a.start < b.end and b.start < a.end


def _spans(sides: Sequence[WordArgument]) -> set[tuple[int, int]]:
    return {(s.start, s.end) for s in sides}


def _match(gold: list[WordEvent], predicted: list[WordEvent]) -> list[tuple[WordEvent, WordEvent]]:
    """Greedy one-to-one pairs of same-category events with overlapping triggers."""
    pairs, used = [], set()
    for p in predicted:
        assert p.plover is not None
        for index, g in enumerate(gold):
            assert g.plover is not None
            if index not in used and g.plover.category == p.plover.category and _overlaps(g, p):
                pairs.append((g, p))
                used.add(index)
                break
    return pairs


def score_plover(
    gold: Sequence[Sequence[WordEvent]], predicted: Sequence[Sequence[WordEvent]]
) -> PloverReport:
    """Scores of ``predicted`` against ``gold`` (one list of events per sentence)."""
    if len(gold) != len(predicted):
        raise ValueError(f"{len(gold)} gold sentences but {len(predicted)} predicted")
    report = PloverReport()
    for gold_events, predicted_events in zip(gold, predicted, strict=True):
        gold_coded = [e for e in gold_events if e.plover]
        predicted_coded = [e for e in predicted_events if e.plover]
        _add_counts(report, gold_coded, "gold")
        _add_counts(report, predicted_coded, "predicted")
        for g, p in _match(gold_coded, predicted_coded):
            assert g.plover is not None and p.plover is not None
            report.categories[g.plover.category].correct += 1
            report.actor.correct += len(_spans(g.plover.actor) & _spans(p.plover.actor))
            report.recipient.correct += len(_spans(g.plover.recipient) & _spans(p.plover.recipient))
            report.modes.correct += len(set(g.plover.modes) & set(p.plover.modes))
        _sentence_level(report, gold_coded, predicted_coded)
        _news_types(report, gold_events, predicted_events)
        _news_kinds(report, gold_events, predicted_events)
        if not gold_coded:
            report.event_free_sentences += 1
            report.event_free_plover_events += len(predicted_coded)
            report.event_free_news_events += sum(
                1 for e in predicted_events if e.event_type in NEWS_TYPES
            )
    return report


def _add_counts(report: PloverReport, events: list[WordEvent], side: str) -> None:
    """Add the events' categories, actor/recipient spans and modes to the ``side`` counts
    (``gold`` or ``predicted``) of the report's scores."""
    for event in events:
        assert event.plover is not None
        coding = event.plover
        category = report.categories.setdefault(coding.category, Score())
        for score, count in (
            (category, 1),
            (report.actor, len(coding.actor)),
            (report.recipient, len(coding.recipient)),
            (report.modes, len(coding.modes)),
        ):
            setattr(score, side, getattr(score, side) + count)


def _sentence_level(
    report: PloverReport, gold: list[WordEvent], predicted: list[WordEvent]
) -> None:
    categories = {e.plover.category for e in predicted if e.plover}
    actors = {
        (e.plover.category, span) for e in predicted if e.plover for span in _spans(e.plover.actor)
    }
    for event in gold:
        assert event.plover is not None
        report.sentence_category.gold += 1
        report.sentence_actor.gold += 1
        if event.plover.category in categories:
            report.sentence_category.correct += 1
            wanted = {(event.plover.category, span) for span in _spans(event.plover.actor)}
            if wanted & actors:
                report.sentence_actor.correct += 1


def _news_types(
    report: PloverReport, gold: Sequence[WordEvent], predicted: Sequence[WordEvent]
) -> None:
    gold_keys = {(e.event_type, e.start, e.end) for e in gold if e.event_type in NEWS_TYPES}
    predicted_keys = {
        (e.event_type, e.start, e.end) for e in predicted if e.event_type in NEWS_TYPES
    }
    for key in gold_keys:
        report.news_types.setdefault(key[0], Score()).gold += 1
    for key in predicted_keys:
        report.news_types.setdefault(key[0], Score()).predicted += 1
    for key in gold_keys & predicted_keys:
        report.news_types[key[0]].correct += 1


def _of_kind(event: WordEvent, kind: str) -> bool:
    if kind == "phone calls":
        return event.plover is not None and "phone" in event.plover.modes
    return event.event_type in NEWS_KINDS[kind][0]


def _news_kinds(
    report: PloverReport, gold: Sequence[WordEvent], predicted: Sequence[WordEvent]
) -> None:
    for kind, (types, categories) in NEWS_KINDS.items():
        score = report.news_kinds.setdefault(kind, Score())
        for event in gold:
            if not _of_kind(event, kind):
                continue
            score.gold += 1
            if any(
                _overlaps(event, p)
                and (
                    (p.event_type in types and kind != "phone calls")
                    or (p.plover is not None and p.plover.category in categories)
                )
                for p in predicted
            ):
                score.correct += 1

"""Precision, recall and F1 for event extraction, the way the literature counts them.

Four levels, each a set of keys per sentence compared between gold and prediction,
following the usual definitions of the event-extraction literature (DEGREE, OneIE, TextEE):

* trigger identification: the trigger's word span;
* trigger classification: the span and the event type;
* argument identification: the argument's span and its event's type;
* argument classification: the same plus the role.

Arguments are keyed by event type, not by trigger span, as in those papers: an argument
found for an event of the right type counts even when its trigger span is off by a word.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from workers.tagger.inference import WordEvent

#: What each level is called in reports (``newsevents evaluate``, the model card).
LEVEL_LABELS = {
    "trigger_identification": "trigger identification",
    "trigger_classification": "trigger classification",
    "argument_identification": "argument identification",
    "argument_classification": "argument classification",
    "argument_classification_gold_triggers": "argument classification (gold triggers)",
}
LEVELS = (
    "trigger_identification",
    "trigger_classification",
    "argument_identification",
    "argument_classification",
)


@dataclass
class Score:
    """Counts for one level; precision, recall and F1 in percent."""

    predicted: int = 0
    gold: int = 0
    correct: int = 0

    @property
    def precision(self) -> float:
        return 100.0 * self.correct / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return 100.0 * self.correct / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, float]:
        return {
            "precision": round(self.precision, 2),
            "recall": round(self.recall, 2),
            "f1": round(self.f1, 2),
            "predicted": self.predicted,
            "gold": self.gold,
            "correct": self.correct,
        }


def _keys(events: Iterable[WordEvent]) -> dict[str, set[tuple]]:
    keys: dict[str, set[tuple]] = {level: set() for level in LEVELS}
    for event in events:
        if not event.event_type:
            continue  # found only by the PLOVER coder: no tagger type to score
        keys["trigger_identification"].add((event.start, event.end))
        keys["trigger_classification"].add((event.start, event.end, event.event_type))
        for argument in event.arguments:
            anchor = (event.event_type, argument.start, argument.end)
            keys["argument_identification"].add(anchor)
            keys["argument_classification"].add((*anchor, argument.role))
    return keys


def score_events(
    gold: Sequence[Sequence[WordEvent]], predicted: Sequence[Sequence[WordEvent]]
) -> dict[str, Score]:
    """Scores of ``predicted`` against ``gold``, both one list of events per sentence."""
    if len(gold) != len(predicted):
        raise ValueError(f"{len(gold)} gold sentences but {len(predicted)} predicted")
    scores = {level: Score() for level in LEVELS}
    for gold_events, predicted_events in zip(gold, predicted, strict=True):
        gold_keys, predicted_keys = _keys(gold_events), _keys(predicted_events)
        for level in LEVELS:
            scores[level].gold += len(gold_keys[level])
            scores[level].predicted += len(predicted_keys[level])
            scores[level].correct += len(gold_keys[level] & predicted_keys[level])
    return scores

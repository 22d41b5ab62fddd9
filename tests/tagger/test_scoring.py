"""The scorer on small hand-made gold/prediction pairs whose scores are worked out by hand."""

from __future__ import annotations

import pytest

from workers.tagger.inference import WordArgument, WordEvent
from workers.tagger.scoring import score_events

GOLD = [
    [
        WordEvent(
            "Attack",
            2,
            3,
            arguments=(WordArgument("Assailant", 0, 2), WordArgument("Victim", 3, 5)),
        )
    ],
    [
        WordEvent("Statement", 1, 2, arguments=(WordArgument("Speaker", 0, 1),)),
        WordEvent("Arrest", 5, 6),
    ],
]


def test_perfect_prediction_scores_100() -> None:
    scores = score_events(GOLD, GOLD)
    assert all(s.f1 == pytest.approx(100.0) for s in scores.values())


def test_known_mixed_case() -> None:
    predicted = [
        # right span, wrong type: counts for identification only; its arguments then miss
        [WordEvent("Hostile_encounter", 2, 3, arguments=(WordArgument("Assailant", 0, 2),))],
        # both right; one argument with a wrong role, one spurious event
        [
            WordEvent("Statement", 1, 2, arguments=(WordArgument("Message", 0, 1),)),
            WordEvent("Arrest", 5, 6),
            WordEvent("Killing", 8, 9),
        ],
    ]
    scores = score_events(GOLD, predicted)
    ti, tc = scores["trigger_identification"], scores["trigger_classification"]
    assert (ti.predicted, ti.gold, ti.correct) == (4, 3, 3)
    assert (tc.predicted, tc.gold, tc.correct) == (4, 3, 2)
    assert tc.precision == pytest.approx(50.0)
    assert tc.recall == pytest.approx(200 / 3)
    assert tc.f1 == pytest.approx(2 * 50 * (200 / 3) / (50 + 200 / 3))
    ai, ac = scores["argument_identification"], scores["argument_classification"]
    assert (ai.predicted, ai.gold, ai.correct) == (2, 3, 1)
    assert (ac.predicted, ac.gold, ac.correct) == (2, 3, 0)
    assert ac.f1 == 0.0


def test_empty_prediction_scores_zero_without_dividing_by_zero() -> None:
    scores = score_events(GOLD, [[], []])
    assert scores["trigger_classification"].precision == 0.0
    assert scores["trigger_classification"].recall == 0.0
    assert scores["trigger_classification"].f1 == 0.0


def test_sentence_counts_must_match() -> None:
    with pytest.raises(ValueError, match="2 gold sentences but 1 predicted"):
        score_events(GOLD, [[]])


def test_arguments_are_keyed_by_event_type_not_trigger_span() -> None:
    gold = [[WordEvent("Attack", 2, 3, arguments=(WordArgument("Assailant", 0, 2),))]]
    predicted = [[WordEvent("Attack", 2, 4, arguments=(WordArgument("Assailant", 0, 2),))]]
    scores = score_events(gold, predicted)
    assert scores["trigger_classification"].correct == 0
    assert scores["argument_classification"].correct == 1

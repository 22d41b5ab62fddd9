"""PLOVER scoring on hand-made gold and predicted events, with the counts worked out."""

from __future__ import annotations

from workers.tagger.inference import WordArgument, WordEvent, WordPlover
from workers.tagger.plover_scoring import score_plover


def coded(
    category: str,
    start: int,
    end: int,
    actor: list[tuple[int, int]] = (),  # type: ignore[assignment]
    recipient: list[tuple[int, int]] = (),  # type: ignore[assignment]
    modes: tuple[str, ...] = (),
    event_type: str = "",
) -> WordEvent:
    return WordEvent(
        event_type,
        start,
        end,
        plover=WordPlover(
            category,
            1.0,
            tuple(WordArgument("actor", a, b) for a, b in actor),
            tuple(WordArgument("recipient", a, b) for a, b in recipient),
            modes,
        ),
    )


def test_counts_on_three_sentences() -> None:
    gold = [
        # 1: a visit (CONSULT) and a pledge (AGREE)
        [
            coded("CONSULT", 3, 4, [(0, 3)], [(4, 5)], ("visit",), "Traveling"),
            coded("AGREE", 7, 8, [(0, 3)], [(9, 10)]),
        ],
        # 2: an arrest (COERCE)
        [coded("COERCE", 2, 3, [(0, 2)], [(3, 5)], ("arrest",), "Arrest")],
        # 3: no PLOVER event
        [],
    ]
    predicted = [
        [
            # CONSULT right, trigger overlaps (3-5 vs 3-4); actor right, recipient wrong
            coded("CONSULT", 3, 5, [(0, 3)], [(5, 6)], ("visit", "phone"), "Traveling"),
            # the pledge coded as SUPPORT: a wrong category
            coded("SUPPORT", 7, 8, [(0, 3)], []),
        ],
        # the arrest found, actor and recipient right
        [coded("COERCE", 2, 3, [(0, 2)], [(3, 5)], ("arrest",), "Arrest")],
        # a false PROTEST on the event-free sentence
        [coded("PROTEST", 0, 1, [(1, 2)])],
    ]
    report = score_plover(gold, predicted)

    assert report.categories["CONSULT"].as_dict()["f1"] == 100.0
    assert (report.categories["AGREE"].gold, report.categories["AGREE"].correct) == (1, 0)
    assert (report.categories["SUPPORT"].predicted, report.categories["SUPPORT"].correct) == (1, 0)
    assert report.categories["PROTEST"].predicted == 1
    # macro over the three gold categories: CONSULT 100, AGREE 0, COERCE 100
    assert round(report.macro_f1, 2) == 66.67
    micro = report.micro
    assert (micro.predicted, micro.gold, micro.correct) == (4, 3, 2)
    # actor spans: gold 3, predicted 4 (SUPPORT's and PROTEST's count), correct 2 (matched events)
    assert (report.actor.gold, report.actor.predicted, report.actor.correct) == (3, 4, 2)
    # recipient spans: gold 3, predicted 2, correct 1 (the arrest)
    assert (report.recipient.gold, report.recipient.predicted, report.recipient.correct) == (
        3,
        2,
        1,
    )
    # modes: gold visit + arrest, predicted visit + phone + arrest, correct 2
    assert (report.modes.gold, report.modes.predicted, report.modes.correct) == (2, 3, 2)
    # sentence level: 2 of 3 gold events have their category in the sentence, both with actor
    assert (report.sentence_category.correct, report.sentence_category.gold) == (2, 3)
    assert report.sentence_actor.correct == 2
    # news types: Traveling and Arrest triggers, exact span: Arrest right, Traveling off
    traveling = report.news_types["Traveling"]
    assert (traveling.predicted, traveling.gold, traveling.correct) == (1, 1, 0)
    assert report.news_types["Arrest"].as_dict()["f1"] == 100.0
    # one event-free sentence, one PLOVER event fired on it
    summary = report.as_dict()["event_free"]
    assert summary == {
        "sentences": 1,
        "plover_events_per_100": 100.0,
        "news_type_events_per_100": 0.0,
    }


def test_one_gold_event_matches_one_prediction() -> None:
    gold = [[coded("ASSAULT", 2, 3, [(0, 1)])]]
    predicted = [[coded("ASSAULT", 2, 3, [(0, 1)]), coded("ASSAULT", 2, 4, [(0, 1)])]]
    report = score_plover(gold, predicted)
    score = report.categories["ASSAULT"]
    assert (score.predicted, score.gold, score.correct) == (2, 1, 1)
    assert (report.actor.predicted, report.actor.correct) == (2, 1)

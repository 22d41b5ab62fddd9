"""The default model's learned PLOVER coder on the seed article and on written sentences.

The seed article (seeds/) reports a meeting in Florida, an envoys' trip to Moscow and a
phone conversation: all three are CONSULT in PLOVER (the call with mode ``phone``, the trip
as a visit or a travel event), with both sides as participants. ``data/plover_sentences.tsv``
holds three sentences per category, written for these tests before the model was trained.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

from shared.schemas import Article, Event
from workers.tagger.tagger import Tagger

pytestmark = pytest.mark.slow

SENTENCES = Path(__file__).parent / "data" / "plover_sentences.tsv"


def coded_near(text: str, events: list[Event], phrase: str, category: str) -> list[Event]:
    """Events coded ``category`` whose trigger lies inside the first ``phrase``."""
    start = text.index(phrase)
    end = start + len(phrase)
    return [
        e
        for e in events
        if e.plover and e.plover.type == category and start <= e.trigger.start < end
    ]


def participants(event: Event) -> str:
    assert event.plover is not None
    return " | ".join(s.text for s in [*event.plover.actor, *event.plover.recipient])


def test_the_florida_meeting_is_consult_between_both_delegations(
    seed_events: tuple[str, list[Event]],
) -> None:
    text, events = seed_events
    found = coded_near(text, events, "a meeting took place between the Ukrainian", "CONSULT")
    assert found, "the Florida meeting is not coded CONSULT"
    sides = participants(found[0])
    assert "Ukrainian" in sides and "American" in sides


def test_the_phone_conversation_is_consult_by_phone(seed_events: tuple[str, list[Event]]) -> None:
    text, events = seed_events
    found = coded_near(text, events, "held a phone conversation with Steve Witkoff", "CONSULT")
    assert found, "the phone conversation is not coded CONSULT"
    [call] = found
    assert call.plover is not None and "phone" in call.plover.mode
    sides = participants(call)
    assert "Zelensky" in sides and ("Witkoff" in sides or "Kushner" in sides)


def test_the_envoys_trip_to_moscow_is_a_visit(seed_events: tuple[str, list[Event]]) -> None:
    text, events = seed_events
    phrase = "Jared Kushner traveled to Moscow"
    start = text.index(phrase)
    trip = [
        e
        for e in events
        if start <= e.trigger.start < start + len(phrase)
        and (
            (e.plover and e.plover.type == "CONSULT")
            or e.type in {"Traveling", "Arriving", "Self_motion", "Motion"}
        )
    ]
    assert trip, "the trip to Moscow is neither CONSULT nor a travel event"
    coded = [e for e in trip if e.plover and e.plover.type == "CONSULT"]
    if coded:
        assert coded[0].plover is not None and "Witkoff" in participants(coded[0])


def load_sentences() -> list[tuple[str, str, str, str]]:
    rows = []
    for line in SENTENCES.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            category, actor, trigger, sentence = line.split("\t")
            rows.append((category, actor, trigger, sentence))
    return rows


#: Sentences the bundled model 0.4.0 gets wrong (kept, so that a better model shows up as
#: an unexpected pass): shared intelligence gets half the actor, WHO "sent" supplies reads
#: as MOBILIZE, "put on high alert" is missed (as with 0.3.0); new with 0.4.0, "began joint
#: naval drills" is coded COOPERATE on "joint" rather than "drills", and "kidnapped two
#: engineers" is not coded (0.4.0 is better on the news dev set as a whole, PLOVER macro-F1
#: 80.5 against 77.0, but its ASSAULT F1 fell from 86.1 to 82.4; README, Model).
KNOWN_MISSES = {"shared", "sent", "alert", "drills", "kidnapped"}


@pytest.fixture(scope="module")
def coded_sentences(tagger: Tagger) -> list[list[Event]]:
    rows = load_sentences()
    results = tagger.extract([Article(id=f"s{i}", text=row[3]) for i, row in enumerate(rows)])
    return [result.events for result in results]


@pytest.mark.parametrize(
    ("index", "row"),
    [
        pytest.param(
            i,
            row,
            id=f"{row[0]}-{row[2]}",
            marks=[pytest.mark.xfail(strict=True, reason="known miss")]
            if row[2] in KNOWN_MISSES
            else [],
        )
        for i, row in enumerate(load_sentences())
    ],
)
def test_a_written_sentence_is_coded(
    coded_sentences: list[list[Event]], index: int, row: tuple[str, str, str, str]
) -> None:
    category, actor, trigger, _ = row
    events = coded_sentences[index]
    coded = [
        e
        for e in events
        if e.plover
        and e.plover.type == category
        and (trigger in e.trigger.text or e.trigger.text in trigger)
    ]
    got = [(e.trigger.text, e.plover.type if e.plover else None) for e in events]
    assert coded, got
    actors = [s.text.lower() for e in coded for s in e.plover.actor]  # type: ignore[union-attr]
    assert any(actor.lower() in a for a in actors), actors


def test_every_category_has_three_sentences_and_one_coded_right() -> None:
    rows = load_sentences()
    right: dict[str, int] = defaultdict(int)
    for category, _, trigger, _ in rows:
        right[category] += trigger not in KNOWN_MISSES
    assert len(rows) == 48 and len(right) == 16
    # 43 of 48 are right; AID, MOBILIZE and ASSAULT get two of their three, COOPERATE one.
    assert min(right.values()) >= 1 and sum(right.values()) == 43, dict(right)

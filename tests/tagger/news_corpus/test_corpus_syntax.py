"""Reading the news corpus syntax: trigger labels, PLOVER roles, blocks, and the checker."""

from __future__ import annotations

from pathlib import Path

import pytest

from workers.tagger.extra_data.markup import MarkupError
from workers.tagger.news_corpus.check import sentence_problems, tagger_ontology
from workers.tagger.news_corpus.corpus import (
    CorpusError,
    NewsSentence,
    parse_news_line,
    parse_trigger_label,
    read_authored,
)

ONTOLOGY = {
    **tagger_ontology(),
    "Traveling": {"Traveler", "Goal", "Entity", "Purpose"},
    "Arrest": {"Authorities", "Suspect", "Charges", "Offense"},
}


def sentence(line: str) -> NewsSentence:
    text, events = parse_news_line(line)
    return NewsSentence(text, events, "b", "test.txt", 1)


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("Attack/ASSAULT.aerial.explosives", ("Attack", "ASSAULT", ("aerial", "explosives"))),
        ("Communication/CONSULT", ("Communication", "CONSULT", ())),
        ("-/THREATEN.violence", (None, "THREATEN", ("violence",))),
        ("Death", ("Death", None, ())),
    ],
)
def test_trigger_labels(label: str, expected: tuple) -> None:
    assert parse_trigger_label(label) == expected


@pytest.mark.parametrize("label", ["-", "/CONSULT", "Attack/"])
def test_bad_trigger_labels(label: str) -> None:
    with pytest.raises(MarkupError):
        parse_trigger_label(label)


def test_a_line_with_two_events_nested_marks_and_shared_spans() -> None:
    line = (
        "[1:Traveler+1:actor Kestrian envoy Dana Vell] {Traveling/CONSULT.visit#1 visited} "
        "[1:Goal+1:recipient Ostria] and {-/AGREE#2 pledged} aid to "
        "[2:recipient [2:actor Ostria]]'s flood victims."
    )
    news = sentence(line)
    assert news.text == (
        "Kestrian envoy Dana Vell visited Ostria and pledged aid to Ostria's flood victims."
    )
    visit, pledge = news.events
    assert (visit.tagger_type, visit.plover, visit.modes) == ("Traveling", "CONSULT", ("visit",))
    assert [news.span_text(s) for s in visit.actor] == ["Kestrian envoy Dana Vell"]
    assert [news.span_text(s) for s in visit.recipient] == ["Ostria"]
    assert [(r, news.span_text(s)) for r, s in visit.arguments] == [
        ("Traveler", "Kestrian envoy Dana Vell"),
        ("Goal", "Ostria"),
    ]
    assert pledge.tagger_type is None and pledge.plover == "AGREE"
    assert pledge.arguments == []
    assert news.span_text(pledge.actor[0]) == news.span_text(pledge.recipient[0]) == "Ostria"


def test_blocks_are_read_and_a_sentence_needs_one(tmp_path: Path) -> None:
    good = tmp_path / "good.txt"
    good.write_text("# a comment\n## block x-one\nA plain sentence.\n\n## block x-two\nAnother.\n")
    assert [(s.block, s.line) for s in read_authored(good)] == [("x-one", 3), ("x-two", 6)]
    orphan = tmp_path / "orphan.txt"
    orphan.write_text("A sentence before any block.\n")
    with pytest.raises(CorpusError, match=r"orphan\.txt:1"):
        read_authored(orphan)
    malformed = tmp_path / "malformed.txt"
    malformed.write_text("## block Capitals Not Allowed\nText.\n")
    with pytest.raises(CorpusError, match="malformed block line"):
        read_authored(malformed)


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("[actor Police] {Arrest/COERCE.arrest arr}ested [Suspect two men].", "cuts a word"),
        ("[actor Police] {Nabbing/COERCE arrested} two men.", "unknown tagger type"),
        ("[Victim+actor Police] {Arrest/COERCE arrested} two men.", "not allowed for Arrest"),
        ("[actor Police] {Arrest/DETAIN arrested} two men.", "unknown PLOVER category"),
        ("[actor Police] {Arrest/COERCE.aerial arrested} two men.", "not a mode of COERCE"),
        ("Police {Arrest/COERCE arrested} [recipient two men].", "without an actor"),
        ("[actor Norland] {-/AID sent} food.", "AID requires a recipient"),
        ("[actor Norland's] {-/ACCUSE criticism} of Ostria.", "possessive"),
        ("[actor Police] {Arrest arrested} two men.", "no PLOVER category"),
    ],
)
def test_the_checker_names_each_broken_rule(line: str, problem: str) -> None:
    problems = sentence_problems(sentence(line), ONTOLOGY)
    assert any(problem in p for p in problems), problems


def test_a_clean_sentence_has_no_problems() -> None:
    line = (
        "[Authorities+actor Police] {Arrest/COERCE.arrest arrested} "
        "[Suspect+recipient two men] [Place in Lima] [Time on Monday]."
    )
    assert sentence_problems(sentence(line), ONTOLOGY) == []

"""The hand-written extra training sentences: well-formed, in the ontology, reproducible.

These checks guard what the trainer relies on: every type and role exists in the GENEVA
ontology, every span is a real token span, negatives are truly event-free (and free of
words GENEVA usually annotates as triggers), and nothing is taken from the seed article
the tagger is evaluated on.
"""

from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path

import pytest

from shared.settings import get_settings
from workers.tagger.extra_data import (
    EXTRA_DATA_DIR,
    SOURCES,
    extra_sentence_files,
    load_extra_sentences,
)
from workers.tagger.extra_data.build import BuildError, build_all, build_records, to_record
from workers.tagger.extra_data.markup import MarkupError, parse_line
from workers.tagger.extra_data.trigger_vocabulary import likely_triggers
from workers.tagger.geneva import read_ontology, read_sentences
from workers.tagger.labels import UNIVERSAL_ROLES
from workers.tagger.words import word_spans

REPO_ROOT = Path(__file__).resolve().parents[2]
SEED_ARTICLE = REPO_ROOT / "seeds" / "ukrinform-2025-12-06-peace-talks.txt"
GENEVA_DIR = get_settings().data_dir / "geneva"
POSITIVES = EXTRA_DATA_DIR / "news_events.jsonl"
NEGATIVES = EXTRA_DATA_DIR / "negatives.jsonl"
SEED_NGRAM = 8

needs_geneva = pytest.mark.skipif(
    not (GENEVA_DIR / "event_ontology.json").exists(), reason="GENEVA handout not available"
)


def records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def all_records() -> list[dict]:
    return [record for path in extra_sentence_files() for record in records(path)]


def words(text: str) -> list[str]:
    return [text[start:end].lower() for start, end in word_spans(text)]


# --- the authoring syntax -------------------------------------------------------------


def test_markup_single_event_with_time_and_place() -> None:
    record = to_record(
        parse_line(
            "[Interlocutors The foreign ministers of Chile and Peru] {Communication met} "
            "[Place in Lima] [Time on Tuesday]."
        ),
        "doc",
        1,
    )
    assert record["sentence"] == "The foreign ministers of Chile and Peru met in Lima on Tuesday."
    (event,) = record["event_mentions"]
    assert event["trigger"] == {"start": 7, "end": 8, "text": "met"}
    spans = {a["role"]: a["text"] for a in event["arguments"]}
    assert spans == {
        "Interlocutors": "The foreign ministers of Chile and Peru",
        "Place": "in Lima",
        "Time": "on Tuesday",
    }


def test_markup_shares_one_entity_between_events() -> None:
    record = to_record(
        parse_line(
            "[1:Traveler+2:Speaker The envoy] {Traveling#1 flew} [1:Goal to Oslo] and "
            "{Statement#2 said} [2:Message talks would resume]."
        ),
        "doc",
        1,
    )
    first, second = record["event_mentions"]
    assert (first["event_type"], second["event_type"]) == ("Traveling", "Statement")
    assert first["arguments"][0]["entity_id"] == second["arguments"][0]["entity_id"]
    assert len(record["entity_mentions"]) == 3


def test_markup_nested_trigger_inside_argument() -> None:
    marked = parse_line(
        "[1:Speaker Police] {Statement#1 said} [1:Message [2:Suspect two men] were "
        "{Arrest#2 detained}]."
    )
    assert [e.event_type for e in marked.events] == ["Statement", "Arrest"]
    assert marked.text == "Police said two men were detained."


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("[Speaker He {Statement said}.", "never closed"),
        ("He {Statement said]", "unexpected"),
        ("[1:Speaker He] {Statement#2 said}.", "names no event"),
        ("{Statement#1 said} and {Statement#1 told}.", "used twice"),
        ("[Speaker  He] {Statement said}.", "space-padded"),
    ],
)
def test_markup_errors_are_reported(line: str, problem: str) -> None:
    with pytest.raises(MarkupError, match=problem):
        parse_line(line)


def test_mark_cutting_a_word_stops_the_build(tmp_path: Path) -> None:
    source = tmp_path / "bad.txt"
    source.write_text("# comment\n[Speaker He]r {Statement said} it.\n", encoding="utf-8")
    with pytest.raises(BuildError, match=r"bad\.txt, sentence 1.*token boundaries"):
        build_records(source, "doc")


# --- the committed data ---------------------------------------------------------------


def test_committed_jsonl_equals_a_fresh_build() -> None:
    first = build_all()
    assert first == build_all()  # deterministic
    for path, text in first.items():
        assert path.read_text(encoding="utf-8") == text, f"rebuild {path.name}"


def test_counts_and_loader() -> None:
    assert len(records(POSITIVES)) >= 150
    assert len(records(NEGATIVES)) >= 100
    assert extra_sentence_files() == [EXTRA_DATA_DIR / out for _, out, _ in SOURCES]
    loaded = load_extra_sentences()
    assert len(loaded) == len(all_records())
    assert all(sentence.id and sentence.tokens for sentence in loaded)


def test_every_sentence_parses_with_the_geneva_reader() -> None:
    for path in extra_sentence_files():
        parsed = read_sentences(path)
        raw = records(path)
        assert len(parsed) == len(raw)
        for sentence, record in zip(parsed, raw, strict=True):
            assert len(sentence.events) == len(record["event_mentions"])
            arguments = sum(len(e["arguments"]) for e in record["event_mentions"])
            assert sum(len(e.arguments) for e in sentence.events) == arguments


def test_tokens_are_the_project_tokenizer_words() -> None:
    for record in all_records():
        text = record["sentence"]
        assert record["tokens"] == [text[s:e] for s, e in word_spans(text)]


def test_spans_are_in_range_and_match_their_text() -> None:
    for record in all_records():
        tokens = record["tokens"]
        entities = {e["id"]: e for e in record["entity_mentions"]}
        spans = [(e["start"], e["end"], e["text"]) for e in entities.values()]
        for event in record["event_mentions"]:
            trigger = event["trigger"]
            spans.append((trigger["start"], trigger["end"], trigger["text"]))
            for argument in event["arguments"]:
                entity = entities[argument["entity_id"]]
                assert argument["text"] == entity["text"]
        for start, end, text in spans:
            assert 0 <= start < end <= len(tokens), record["sentence"]
            assert "".join(tokens[start:end]) == text.replace(" ", ""), record["sentence"]
            assert text in record["sentence"]


def test_spans_of_one_event_do_not_overlap() -> None:
    """The tagger labels each event's roles with one BIO sequence: no room for overlaps."""
    for record in all_records():
        entities = {e["id"]: (e["start"], e["end"]) for e in record["entity_mentions"]}
        for event in record["event_mentions"]:
            trigger = event["trigger"]
            spans = [(trigger["start"], trigger["end"])]
            spans += [entities[a["entity_id"]] for a in event["arguments"]]
            spans.sort()
            for (_, end), (start, _) in pairwise(spans):
                assert end <= start, f"{event['event_type']} in {record['sentence']!r}"


def test_positives_all_have_events_and_negatives_none() -> None:
    assert all(r["event_mentions"] for r in records(POSITIVES))
    for record in records(NEGATIVES):
        assert record["event_mentions"] == [] and record["entity_mentions"] == []


def test_sentences_are_unique() -> None:
    sentences = [r["sentence"] for r in all_records()]
    assert len(sentences) == len(set(sentences))


@needs_geneva
def test_types_and_roles_exist_in_the_ontology() -> None:
    ontology = read_ontology(GENEVA_DIR / "event_ontology.json")
    for record in all_records():
        for event in record["event_mentions"]:
            event_type = event["event_type"]
            assert event_type in ontology, f"{event_type} in {record['sentence']!r}"
            allowed = set(ontology[event_type]["arguments"]) | set(UNIVERSAL_ROLES)
            for argument in event["arguments"]:
                assert argument["role"] in allowed, (
                    f"{argument['role']} not a role of {event_type}: {record['sentence']!r}"
                )


@needs_geneva
def test_negatives_avoid_words_geneva_annotates_as_triggers() -> None:
    triggers = likely_triggers(GENEVA_DIR / "train.jsonl")
    for record in records(NEGATIVES):
        found = sorted({w.lower() for w in record["tokens"]} & set(triggers))
        assert not found, f"{found} in negative {record['sentence']!r}"


def test_no_sentence_shares_eight_words_with_the_seed_article() -> None:
    seed = words(SEED_ARTICLE.read_text(encoding="utf-8"))
    seed_ngrams = {tuple(seed[i : i + SEED_NGRAM]) for i in range(len(seed) - SEED_NGRAM + 1)}
    for record in all_records():
        tokens = [token.lower() for token in record["tokens"]]
        for i in range(len(tokens) - SEED_NGRAM + 1):
            assert tuple(tokens[i : i + SEED_NGRAM]) not in seed_ngrams, record["sentence"]

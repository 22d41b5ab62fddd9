"""Merging PLOVER-category triggers into event-type triggers, and the training examples
that teach each layer only what a sentence annotates."""

from __future__ import annotations

from workers.tagger.encoding import segment_name
from workers.tagger.examples import IGNORE, NOT_NEWS_TYPE, sentence_examples
from workers.tagger.geneva import GoldArgument, GoldEvent, Sentence
from workers.tagger.inference import TriggerRequest, attach_plover
from workers.tagger.labels import LabelSpace

ONTOLOGY = {
    "Arrest": {"arguments": ["Authorities", "Suspect"]},
    "Statement": {"arguments": ["Speaker"]},
}
MODES = {"COERCE": ["arrest", "seize"], "PROTEST": ["demo"]}


def test_a_category_codes_the_event_it_overlaps_and_otherwise_stands_alone() -> None:
    requests = [TriggerRequest(0, "Arrest", 2, 3, 0.9), TriggerRequest(1, "Statement", 4, 5, 0.8)]
    coded = [
        TriggerRequest(0, "", 1, 3, 0.7, "COERCE", 0.7),  # overlaps the arrest
        TriggerRequest(0, "", 6, 7, 0.6, "PROTEST", 0.6),  # overlaps nothing
        TriggerRequest(0, "", 2, 3, 0.5, "ASSAULT", 0.5),  # the arrest is already coded
    ]
    merged = attach_plover(requests, coded)
    assert [(r.sentence, r.event_type, r.start, r.end, r.plover) for r in merged] == [
        (0, "Arrest", 2, 3, "COERCE"),
        (0, "", 2, 3, "ASSAULT"),
        (0, "", 6, 7, "PROTEST"),
        (1, "Statement", 4, 5, None),
    ]
    arrest = merged[0]
    assert (arrest.confidence, arrest.plover_confidence) == (0.9, 0.7)


def test_segment_names() -> None:
    assert segment_name("Arrest", "COERCE") == "Arrest / coerce"
    assert segment_name("", "PROTEST") == "protest"
    assert segment_name("Attack") == "Attack"


class PieceEncoder:
    """A stand-in tokenizer layer: one piece per word, ids from word lengths."""

    max_pieces = 64

    def word_pieces(self, words: list[str]) -> list[list[int]]:
        return [[10 + len(w)] for w in words]

    def trigger_input(self, pieces):  # type: ignore[no-untyped-def]
        from workers.tagger.encoding import EncodedInput

        ids = [1, *(p[0] for p in pieces), 2]
        return EncodedInput(ids, [0] * len(ids), list(range(1, len(pieces) + 1)))

    def argument_input(self, pieces, start, end, name):  # type: ignore[no-untyped-def]
        from workers.tagger.encoding import EncodedInput

        ids = [1, 3, 2, *(p[0] for p in pieces), 2]
        return EncodedInput(ids, [0] * len(ids), list(range(3, 3 + len(pieces))), 3 + start)

    def argument_overhead(self, name: str) -> int:
        return 6


def test_examples_teach_only_the_annotated_layers() -> None:
    labels = LabelSpace.from_ontology(ONTOLOGY, ["Arrest", "Statement"], MODES)
    tokens = ["Police", "arrested", "two", "men", "and", "crowds", "marched"]
    arrest = GoldEvent(
        "Arrest",
        1,
        2,
        (GoldArgument(0, 1, "Authorities"), GoldArgument(2, 4, "Suspect")),
        "COERCE",
        ("arrest",),
        (GoldArgument(0, 1, "actor"), GoldArgument(2, 4, "recipient")),
    )
    march = GoldEvent("", 6, 7, (), "PROTEST", ("demo",), (GoldArgument(5, 6, "actor"),))
    news = Sentence("n", tokens, [arrest, march], types_complete=False, plover_complete=True)
    encoder = PieceEncoder()
    [trigger], [arrest_example, march_example] = sentence_examples(news, encoder, labels)  # type: ignore[arg-type]

    b_arrest = labels.trigger_labels.index("B-Arrest")
    other = NOT_NEWS_TYPE  # unmarked: maybe another type's trigger, not a news type's
    assert trigger.labels == [other, b_arrest, other, other, other, other, other]
    index = {name: i for i, name in enumerate(labels.plover_trigger_labels)}
    assert trigger.plover_labels == [0, index["B-COERCE"], 0, 0, 0, 0, index["B-PROTEST"]]

    roles = {name: i for i, name in enumerate(labels.plover_role_labels)}
    assert arrest_example.event_type == "Arrest" and arrest_example.plover == "COERCE"
    assert arrest_example.plover_labels == [
        roles["B-actor"], 0, roles["B-recipient"], roles["I-recipient"], 0, 0, 0
    ]  # fmt: skip
    assert arrest_example.modes == [1.0, 0.0, 0.0]  # COERCE.arrest, COERCE.seize, PROTEST.demo
    assert march_example.event_type == "" and march_example.labels == [IGNORE] * 7
    assert march_example.modes == [0.0, 0.0, 1.0]

    geneva = Sentence("g", tokens, [GoldEvent("Arrest", 1, 2)])
    [trigger], [example] = sentence_examples(geneva, encoder, labels)  # type: ignore[arg-type]
    assert trigger.labels[0] == 0 and trigger.plover_labels is None
    assert example.plover_labels is None and example.modes is None

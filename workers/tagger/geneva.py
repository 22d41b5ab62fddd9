"""Reading annotated sentences in the GENEVA / OneIE JSON-lines format.

Only token indices are used: the tagger's own tokenizer produces the words at run time,
and the training data comes pre-tokenized, so the reader keeps the data's tokens.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class GoldArgument:
    start: int  # token index
    end: int  # token index, exclusive
    role: str


@dataclass(frozen=True)
class GoldEvent:
    """A gold event. ``event_type`` is "" for an event that only has a PLOVER coding;
    ``plover_roles`` holds its ``actor`` and ``recipient`` spans."""

    event_type: str
    start: int
    end: int
    arguments: tuple[GoldArgument, ...] = ()
    plover: str | None = None
    plover_modes: tuple[str, ...] = ()
    plover_roles: tuple[GoldArgument, ...] = ()


@dataclass
class Sentence:
    """One annotated sentence: its tokens and its events.

    ``types_complete``: every tagger event is annotated (GENEVA), so an unmarked word is a
    "no event" example; the news corpus marks only the news types, so it is not.
    ``plover_complete``: every PLOVER event is annotated (the news corpus), so the PLOVER
    coder learns from this sentence; GENEVA has no PLOVER layer.
    """

    id: str
    tokens: list[str]
    events: list[GoldEvent] = field(default_factory=list)
    types_complete: bool = True
    plover_complete: bool = False
    #: With a partial type layer: whether unmarked words are known not to be news types.
    news_negatives: bool = True


def parse_sentence(record: dict) -> Sentence:
    """Turn one OneIE record into a Sentence, resolving argument entity ids to spans."""
    entities = {e["id"]: (e["start"], e["end"]) for e in record.get("entity_mentions", [])}
    events = []
    for mention in record.get("event_mentions", []):
        arguments = []
        for argument in mention.get("arguments", []):
            span = entities.get(argument["entity_id"])
            if span is not None and span[1] > span[0]:
                arguments.append(GoldArgument(span[0], span[1], argument["role"]))
        trigger = mention["trigger"]
        events.append(
            GoldEvent(mention["event_type"], trigger["start"], trigger["end"], tuple(arguments))
        )
    sentence_id = str(record.get("wnd_id") or record.get("doc_id") or "")
    return Sentence(id=sentence_id, tokens=list(record["tokens"]), events=events)


def read_sentences(path: Path) -> list[Sentence]:
    """All sentences of a JSON-lines file."""
    with path.open(encoding="utf-8") as handle:
        return [parse_sentence(json.loads(line)) for line in handle if line.strip()]


def read_ontology(path: Path) -> dict[str, dict]:
    """The GENEVA event ontology: event type -> {frames, arguments, description}."""
    ontology: dict[str, dict] = json.loads(path.read_text(encoding="utf-8"))
    return ontology

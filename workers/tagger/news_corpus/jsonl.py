"""The news corpus as JSON lines in the PLOVER guide's suggested format (section 4).

One object per sentence: ``text`` and ``events``; each event has ``plover`` (or null),
``mode``, ``trigger``, ``actor`` and ``recipient`` spans with character offsets, plus this
project's ``tagger_type`` and ``arguments`` (tagger roles). ``newsevents evaluate`` reads this
format, so any PLOVER-annotated sentences written this way can be scored.

    python -m workers.tagger.news_corpus.jsonl --split dev > news_dev.jsonl
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from workers.tagger.extra_data.markup import CharSpan
from workers.tagger.news_corpus import load_corpus, load_split
from workers.tagger.news_corpus.corpus import NewsEvent, NewsSentence


def _span(text: str, span: CharSpan) -> dict[str, object]:
    return {"start": span.start, "end": span.end, "text": text[span.start : span.end]}


def to_record(sentence: NewsSentence) -> dict[str, object]:
    """The guide-format record of one sentence."""
    text = sentence.text
    return {
        "text": text,
        "block": sentence.block,
        "events": [
            {
                "plover": event.plover,
                "mode": list(event.modes),
                "trigger": _span(text, event.trigger),
                "actor": [_span(text, s) for s in event.actor],
                "recipient": [_span(text, s) for s in event.recipient],
                "tagger_type": event.tagger_type,
                "arguments": [
                    {"role": role, **_span(text, span)} for role, span in event.arguments
                ],
            }
            for event in sentence.events
        ],
    }


def _char_span(text: str, value: dict) -> CharSpan:
    start, end = int(value["start"]), int(value["end"])
    if not 0 <= start < end <= len(text):
        raise ValueError(f"span {start}-{end} is outside the text")
    if "text" in value and text[start:end] != value["text"]:
        raise ValueError(f"span {start}-{end} is {text[start:end]!r}, not {value['text']!r}")
    return CharSpan(start, end)


def from_record(record: dict, source: str = "", line: int = 0) -> NewsSentence:
    """A sentence from a guide-format record; offsets are checked against the text."""
    text = str(record["text"])
    events = []
    for event in record.get("events", []):
        events.append(
            NewsEvent(
                trigger=_char_span(text, event["trigger"]),
                tagger_type=event.get("tagger_type"),
                plover=event.get("plover"),
                modes=tuple(event.get("mode") or ()),
                arguments=[
                    (str(a["role"]), _char_span(text, a)) for a in event.get("arguments", [])
                ],
                actor=[_char_span(text, s) for s in event.get("actor", [])],
                recipient=[_char_span(text, s) for s in event.get("recipient", [])],
            )
        )
    return NewsSentence(text, events, str(record.get("block", "")), source, line)


def is_guide_record(record: object) -> bool:
    """True for a guide-format record (as opposed to GENEVA's OneIE records)."""
    return isinstance(record, dict) and "text" in record and "events" in record


def read_records(path: Path) -> list[NewsSentence]:
    """Every sentence of a guide-format JSON-lines file; errors name the line."""
    sentences = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                sentences.append(from_record(json.loads(line), path.name, number))
            except (KeyError, TypeError, ValueError) as error:
                raise ValueError(f"{path}:{number}: {error}") from error
    return sentences


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="write the news corpus as guide-format JSONL")
    parser.add_argument("--split", choices=["train", "dev", "all"], default="dev")
    args = parser.parse_args(argv)
    sentences = load_corpus() if args.split == "all" else load_split(args.split)
    for sentence in sentences:
        sys.stdout.write(json.dumps(to_record(sentence), ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

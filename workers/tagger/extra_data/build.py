"""Build the OneIE JSON-lines files from the hand-annotated authoring files.

Run ``python -m workers.tagger.extra_data.build``. Tokens come from the tagger's own
tokenizer (``workers.tagger.words.word_spans``) so that the training words are exactly
the words the model sees at run time; every mark must fall on token boundaries, and a
mark that cuts a word is an authoring error that stops the build. The output is
deterministic (same input, same bytes), so a test can compare it with the committed files.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

from workers.tagger.extra_data import EXTRA_DATA_DIR, SOURCES
from workers.tagger.extra_data.markup import (
    CharSpan,
    MarkedSentence,
    MarkupError,
    authored_lines,
    parse_line,
)
from workers.tagger.words import word_spans


class BuildError(ValueError):
    """An authored sentence that cannot become a training record."""


def token_span(span: CharSpan, spans: list[tuple[int, int]]) -> tuple[int, int]:
    """Token indices (end exclusive) covering exactly the characters of ``span``."""
    starts = [i for i, (start, _) in enumerate(spans) if start == span.start]
    ends = [i for i, (_, end) in enumerate(spans) if end == span.end]
    if not starts or not ends or ends[0] < starts[0]:
        raise BuildError(f"span {span.start}-{span.end} does not fall on token boundaries")
    return starts[0], ends[0] + 1


def to_record(marked: MarkedSentence, doc_id: str, number: int) -> dict:
    """One OneIE record (the keys of GENEVA's train.jsonl, without BERT word pieces)."""
    text = marked.text
    spans = word_spans(text)
    tokens = [text[start:end] for start, end in spans]
    wnd_id = f"{doc_id}_{number:04d}"
    entities: dict[tuple[int, int], dict] = {}
    events = []
    for index, event in enumerate(marked.events):
        t_start, t_end = token_span(event.trigger, spans)
        arguments = []
        for role, char_span in event.arguments:
            start, end = token_span(char_span, spans)
            entity = entities.setdefault(
                (start, end),
                {
                    "id": f"{wnd_id}_{start}_{end}",
                    "start": start,
                    "end": end,
                    "text": text[char_span.start : char_span.end],
                },
            )
            arguments.append({"entity_id": entity["id"], "text": entity["text"], "role": role})
        events.append(
            {
                "id": f"{wnd_id}_ev{index}",
                "event_type": event.event_type,
                "trigger": {
                    "start": t_start,
                    "end": t_end,
                    "text": text[event.trigger.start : event.trigger.end],
                },
                "arguments": arguments,
            }
        )
    return {
        "doc_id": doc_id,
        "wnd_id": wnd_id,
        "sentence": text,
        "tokens": tokens,
        "sentence_starts": [0],
        "entity_mentions": sorted(entities.values(), key=lambda e: (e["start"], e["end"])),
        "event_mentions": events,
    }


def build_records(source: Path, doc_id: str) -> list[dict]:
    """All records of one authoring file; errors name the file and line."""
    records = []
    for number, line in enumerate(authored_lines(source.read_text(encoding="utf-8")), 1):
        try:
            records.append(to_record(parse_line(line), doc_id, number))
        except (MarkupError, BuildError) as error:
            raise BuildError(
                f"{source.name}, sentence {number} ({line[:60]!r}): {error}"
            ) from error
    return records


def render_jsonl(records: list[dict]) -> str:
    """The exact bytes written for ``records``: one sorted-key JSON object per line."""
    return "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in records)


def build_all(directory: Path = EXTRA_DATA_DIR) -> dict[Path, str]:
    """Output path -> JSON-lines text for every authoring file in ``directory``."""
    return {
        directory / output: render_jsonl(build_records(directory / source, doc_id))
        for source, output, doc_id in SOURCES
    }


def event_type_counts(jsonl_text: str) -> Counter[str]:
    """How many events of each type a built file holds (for the README's table)."""
    return Counter(
        event["event_type"]
        for line in jsonl_text.splitlines()
        for event in json.loads(line)["event_mentions"]
    )


def main() -> int:
    try:
        outputs = build_all()
    except BuildError as error:
        print(f"build failed: {error}", file=sys.stderr)
        return 1
    for path, text in outputs.items():
        path.write_text(text, encoding="utf-8")
        print(f"{path.name}: {text.count(chr(10))} sentences")
        counts = event_type_counts(text)
        for event_type, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
            print(f"| {event_type} | {count} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

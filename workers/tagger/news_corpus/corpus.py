"""Reading the news event corpus: authored lines -> sentences with PLOVER and tagger events.

The authoring syntax is the one of ``workers.tagger.extra_data.markup`` with a richer trigger
label, ``{TYPE/PLOVER.mode#id words}``, and two PLOVER roles, ``actor`` and ``recipient``
(see README.md). Everything here is character offsets into the plain sentence; tokens are
the business of ``examples`` (training) and ``plover_scoring`` (evaluation).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from workers.tagger.extra_data.markup import CharSpan, MarkupError, parse_line

NO_TYPE = "-"
PLOVER_ROLES = ("actor", "recipient")
BLOCK_PATTERN = re.compile(r"^##\s*block\s+([a-z0-9][a-z0-9-]*)\s*$")


@dataclass
class NewsEvent:
    """One annotated event: a trigger with a tagger type, a PLOVER category, or both."""

    trigger: CharSpan
    tagger_type: str | None
    plover: str | None
    modes: tuple[str, ...] = ()
    arguments: list[tuple[str, CharSpan]] = field(default_factory=list)  # tagger roles
    actor: list[CharSpan] = field(default_factory=list)
    recipient: list[CharSpan] = field(default_factory=list)


@dataclass
class NewsSentence:
    """One authored sentence with where it came from (file, line, block)."""

    text: str
    events: list[NewsEvent]
    block: str
    source: str
    line: int

    def span_text(self, span: CharSpan) -> str:
        return self.text[span.start : span.end]


class CorpusError(ValueError):
    """An authored line that breaks the syntax; the message names file and line."""


def parse_trigger_label(label: str) -> tuple[str | None, str | None, tuple[str, ...]]:
    """``"Attack/ASSAULT.aerial"`` -> ("Attack", "ASSAULT", ("aerial",)); ``-`` is no type."""
    tagger, slash, plover_part = label.partition("/")
    if not tagger:
        raise MarkupError(f"trigger label {label!r} has no tagger type (use '-' for none)")
    plover: str | None = None
    modes: tuple[str, ...] = ()
    if slash:
        plover, *mode_list = plover_part.split(".")
        if not plover:
            raise MarkupError(f"trigger label {label!r} has an empty PLOVER category")
        modes = tuple(mode_list)
    tagger_type = None if tagger == NO_TYPE else tagger
    if tagger_type is None and plover is None:
        raise MarkupError(f"trigger label {label!r} is neither a tagger nor a PLOVER event")
    return tagger_type, plover, modes


def parse_news_line(line: str) -> tuple[str, list[NewsEvent]]:
    """Plain text and events of one authored line."""
    marked = parse_line(line)
    events = []
    for event in marked.events:
        tagger_type, plover, modes = parse_trigger_label(event.event_type)
        news = NewsEvent(event.trigger, tagger_type, plover, modes)
        for role, span in event.arguments:
            if role == "actor":
                news.actor.append(span)
            elif role == "recipient":
                news.recipient.append(span)
            else:
                news.arguments.append((role, span))
        news.actor.sort(key=lambda s: (s.start, s.end))
        news.recipient.sort(key=lambda s: (s.start, s.end))
        events.append(news)
    return marked.text, events


def read_authored(path: Path) -> list[NewsSentence]:
    """Every sentence of one authored file; a syntax error names the file and line."""
    sentences = []
    block = ""
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            match = BLOCK_PATTERN.match(line)
            if match:
                block = match.group(1)
            elif line.startswith("##"):
                raise CorpusError(f"{path.name}:{number}: malformed block line {line!r}")
            continue
        if not block:
            raise CorpusError(f"{path.name}:{number}: sentence before the first '## block' line")
        try:
            text, events = parse_news_line(line)
        except MarkupError as error:
            raise CorpusError(f"{path.name}:{number}: {error}") from error
        sentences.append(NewsSentence(text, events, block, path.name, number))
    return sentences

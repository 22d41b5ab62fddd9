"""Parsing the inline annotation syntax of the hand-written training sentences.

Annotating with brackets inside the running text keeps every sentence readable and
reviewable on one line, instead of counting token offsets by hand. The syntax:

* ``{Type word}`` marks an event trigger; ``{Type#2 word}`` gives the event an id when a
  sentence holds several events.
* ``[Role words]`` marks an argument of the sentence's only event; ``[2:Role words]``
  attaches it to event ``2``; ``[1:Traveler+2:Interlocutors words]`` gives one span a role
  in several events.
* Marks nest (an argument may contain a trigger or another argument).
* The label ends at the first space, which is dropped with the opening bracket, so
  ``met [Place in Lima].`` reads as ``met in Lima.``.

Spans are character offsets into the plain sentence; the builder maps them to tokens.
"""

from __future__ import annotations

from dataclasses import dataclass, field

OPENERS = {"[": "]", "{": "}"}
CLOSERS = set(OPENERS.values())
DEFAULT_EVENT = ""


class MarkupError(ValueError):
    """A line of the authoring file that cannot be read unambiguously."""


@dataclass(frozen=True)
class CharSpan:
    start: int
    end: int  # exclusive


@dataclass(frozen=True)
class MarkedRole:
    event_id: str  # DEFAULT_EVENT when the sentence has one event and no ids
    role: str


@dataclass
class MarkedEvent:
    event_id: str
    event_type: str
    trigger: CharSpan
    arguments: list[tuple[str, CharSpan]] = field(default_factory=list)  # (role, span)


@dataclass
class MarkedSentence:
    """The plain text of one authored line and its events as character spans."""

    text: str
    events: list[MarkedEvent]


@dataclass
class _Open:
    bracket: str
    label: str
    start: int


def _split_label(line: str, position: int) -> tuple[str, int]:
    """The label after an opening bracket at ``position`` and the index where text resumes."""
    space = line.find(" ", position + 1)
    if space < 0:
        raise MarkupError(f"no space after the label opened at column {position}")
    label = line[position + 1 : space]
    if not label or any(ch in label for ch in "[]{}"):
        raise MarkupError(f"bad label {label!r} at column {position}")
    return label, space + 1


def _parse_trigger_label(label: str) -> tuple[str, str]:
    event_type, _, event_id = label.partition("#")
    if not event_type:
        raise MarkupError(f"trigger label {label!r} has no event type")
    return event_type, event_id


def _parse_role_label(label: str) -> list[MarkedRole]:
    roles = []
    for part in label.split("+"):
        event_id, colon, role = part.rpartition(":")
        if not role or (colon and not event_id):
            raise MarkupError(f"argument label {label!r} has an empty part")
        roles.append(MarkedRole(event_id, role))
    return roles


def _scan(line: str) -> tuple[str, list[tuple[str, str, CharSpan]]]:
    """Strip the marks from ``line``: plain text and (bracket, label, span) of every mark."""
    plain: list[str] = []
    marks: list[tuple[str, str, CharSpan]] = []
    stack: list[_Open] = []
    i = 0
    while i < len(line):
        ch = line[i]
        if ch in OPENERS:
            label, i = _split_label(line, i)
            stack.append(_Open(ch, label, len(plain)))
            continue
        if ch in CLOSERS:
            if not stack or OPENERS[stack[-1].bracket] != ch:
                raise MarkupError(f"unexpected {ch!r} at column {i}")
            opened = stack.pop()
            text = "".join(plain[opened.start :])
            if not text.strip() or text != text.strip():
                raise MarkupError(f"mark {opened.label!r} has empty or space-padded text {text!r}")
            marks.append((opened.bracket, opened.label, CharSpan(opened.start, len(plain))))
        else:
            plain.append(ch)
        i += 1
    if stack:
        raise MarkupError(f"mark {stack[-1].label!r} is never closed")
    return "".join(plain), marks


def parse_line(line: str) -> MarkedSentence:
    """Parse one authored sentence into its plain text and events (character spans)."""
    text, marks = _scan(line.strip())
    events: dict[str, MarkedEvent] = {}
    arguments: list[tuple[MarkedRole, CharSpan]] = []
    for bracket, label, span in marks:
        if bracket == "{":
            event_type, event_id = _parse_trigger_label(label)
            if event_id in events:
                raise MarkupError(f"event id {event_id!r} used twice")
            events[event_id] = MarkedEvent(event_id, event_type, span)
        else:
            arguments.extend((role, span) for role in _parse_role_label(label))
    for role, span in arguments:
        event_id = role.event_id
        if event_id == DEFAULT_EVENT and len(events) == 1:
            event_id = next(iter(events))
        if event_id not in events:
            raise MarkupError(f"argument {role.role!r} names no event of the sentence")
        events[event_id].arguments.append((role.role, span))
    ordered = sorted(events.values(), key=lambda e: (e.trigger.start, e.trigger.end))
    return MarkedSentence(text=text, events=ordered)


def authored_lines(source: str) -> list[str]:
    """The sentence lines of an authoring file: blank lines and ``#`` comments dropped."""
    lines = (line.strip() for line in source.splitlines())
    return [line for line in lines if line and not line.startswith("#")]

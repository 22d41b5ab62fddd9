"""Rendering extraction results as a human-readable ``rich`` table.

``submit --wait``, ``extract`` and ``follow`` all show events the same way, one row per
event, so a reader can compare their outputs. The cell formatting functions are separate
so tests and other renderers (plain text, CSV) can reuse them.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable

from rich.console import Console
from rich.table import Table

from shared.schemas import (
    Argument,
    Event,
    EventPlace,
    EventTime,
    ExtractionResult,
    PloverCoding,
)

#: Shown in a cell whose value the model did not find.
MISSING = "-"


def format_time(time: EventTime | None) -> str:
    """The normalized time (a date, or a range), else the quoted source span."""
    if time is None:
        return MISSING
    if time.value is not None:
        return time.value.isoformat()
    if time.range is not None:
        return f"{time.range.start.isoformat()}..{time.range.end.isoformat()}"
    return f'"{time.text}"'


def format_place(place: EventPlace | None) -> str:
    """The place name with its country code in parentheses when known."""
    if place is None:
        return MISSING
    if place.country_code:
        return f"{place.name} ({place.country_code})"
    return place.name


def format_arguments(arguments: Iterable[Argument]) -> str:
    """One ``role=text`` per line, in the order the model reported them."""
    lines = [f"{argument.role}={argument.text}" for argument in arguments]
    return "\n".join(lines) if lines else MISSING


def format_plover(plover: PloverCoding | None) -> str:
    """``CATEGORY (modes)`` then the actor and recipient, one side per line."""
    if plover is None:
        return MISSING
    lines = [f"{plover.type} ({', '.join(plover.mode)})" if plover.mode else plover.type]
    for side, spans in (("actor", plover.actor), ("recipient", plover.recipient)):
        if spans:
            lines.append(f"{side}=" + "; ".join(span.text for span in spans))
    return "\n".join(lines)


def event_row(article_id: str, event: Event) -> tuple[str, ...]:
    """The table cells of one event."""
    return (
        article_id,
        event.type,
        event.trigger.text,
        format_time(event.time),
        format_place(event.place),
        format_plover(event.plover),
        format_arguments(event.arguments),
    )


def render_events_table(results: list[ExtractionResult]) -> Table:
    """A table with one row per event; an article without events gets one row saying so."""
    table = Table(title="Extracted events", show_lines=True)
    for header in ("Article", "Event", "Trigger", "Time", "Place", "PLOVER", "Arguments"):
        table.add_column(header, overflow="fold")
    for result in results:
        if not result.events:
            table.add_row(result.article_id, "(no events)", *([MISSING] * 5))
            continue
        for event in result.events:
            table.add_row(*event_row(result.article_id, event))
    return table


def table_console() -> Console:
    """A console for event tables: the terminal's width, or a wide page when piped
    (rich would otherwise fold every cell into 80 columns)."""
    return Console(width=None if sys.stdout.isatty() else 180)

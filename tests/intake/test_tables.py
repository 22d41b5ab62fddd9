"""The events table shared by submit, extract and follow."""

from __future__ import annotations

import datetime as dt

from rich.console import Console

from services.commands.tables import render_events_table
from shared.schemas import (
    Argument,
    DateRange,
    Event,
    EventPlace,
    EventTime,
    ExtractionResult,
    ModelInfo,
    PloverCoding,
    Span,
)

TEXT = "Delegations met in Florida on November 30 and last week."


def _render(results: list[ExtractionResult]) -> str:
    console = Console(width=200, record=True, color_system=None)
    console.print(render_events_table(results))
    return console.export_text()


def test_one_row_per_event_with_every_column() -> None:
    meet = Event(
        type="Meet",
        trigger=Span(text="met", start=12, end=15),
        confidence=0.9,
        sentence=0,
        arguments=[Argument(text="Delegations", start=0, end=11, role="Agent", confidence=0.8)],
        time=EventTime(text="November 30", start=30, end=41, value=dt.date(2025, 11, 30)),
        place=EventPlace(text="Florida", start=19, end=26, name="Florida", country_code="US"),
        plover=PloverCoding(
            type="CONSULT",
            actor=[Span(text="Delegations", start=0, end=11)],
            mode=["visit"],
        ),
    )
    week = Event(
        type="Meet",
        trigger=Span(text="met", start=12, end=15),
        confidence=0.5,
        sentence=0,
        time=EventTime(
            text="last week",
            start=46,
            end=55,
            range=DateRange(start=dt.date(2025, 11, 24), end=dt.date(2025, 11, 30)),
        ),
    )
    result = ExtractionResult(
        article_id="art-1", model=ModelInfo(name="m", version="1"), events=[meet, week]
    )
    text = _render([result])
    for header in ("Article", "Event", "Trigger", "Time", "Place", "PLOVER", "Arguments"):
        assert header in text
    assert "2025-11-30" in text
    assert "Florida (US)" in text
    assert "CONSULT (visit)" in text and "actor=Delegations" in text
    assert "Agent=Delegations" in text
    assert "2025-11-24..2025-11-30" in text
    assert render_events_table([result]).row_count == 2


def test_article_without_events_gets_a_row() -> None:
    result = ExtractionResult(article_id="quiet", model=ModelInfo(name="m", version="1"))
    table = render_events_table([result])
    assert table.row_count == 1
    assert "(no events)" in _render([result])

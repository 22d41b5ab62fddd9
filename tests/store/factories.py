"""Hand-built articles and extraction results for the store tests (no model needed).

Spans are cut out of the article text by phrase, so every offset is consistent with the
text exactly as the tagger's output would be.
"""

from __future__ import annotations

import datetime as dt

from shared.schemas import (
    Argument,
    Article,
    DateRange,
    Event,
    EventPlace,
    EventTime,
    ExtractionResult,
    ModelInfo,
    PloverCoding,
    Span,
)
from shared.store import Store
from shared.tenants import store_key

MODEL = ModelInfo(name="hand-built", version="test-1")


def make_article(
    article_id: str,
    text: str | None = None,
    published_at: dt.datetime | dt.date | None = None,
    **fields: str,
) -> Article:
    """An article; the default text is unique per id so it is not a content duplicate."""
    return Article(
        id=article_id,
        text=text if text is not None else f"Officials met in Kyiv about {article_id}.",
        published_at=published_at,
        **fields,
    )


def span_of(text: str, phrase: str) -> Span:
    """The span of the first occurrence of ``phrase`` in ``text``."""
    start = text.index(phrase)
    return Span(text=phrase, start=start, end=start + len(phrase))


def make_event(
    text: str,
    trigger: str,
    event_type: str = "Meet",
    *,
    plover: str | None = None,
    day: dt.date | None = None,
    days: tuple[dt.date, dt.date] | None = None,
    time_phrase: str | None = None,
    place: tuple[str, str | None] | None = None,
    arguments: tuple[tuple[str, str], ...] = (),
    confidence: float = 0.9,
) -> Event:
    """One event of ``text`` with the optional time (one day or a range), place and roles.

    ``arguments`` are (role, phrase) pairs; ``place`` is (phrase, country code).
    """
    time = None
    if day is not None or days is not None or time_phrase is not None:
        time_span = span_of(text, time_phrase or trigger)
        time = EventTime(
            **time_span.model_dump(),
            value=day,
            range=DateRange(start=days[0], end=days[1]) if days else None,
        )
    event_place = None
    if place is not None:
        place_span = span_of(text, place[0])
        event_place = EventPlace(**place_span.model_dump(), name=place[0], country_code=place[1])
    return Event(
        type=event_type,
        trigger=span_of(text, trigger),
        confidence=confidence,
        sentence=0,
        arguments=[
            Argument(**span_of(text, phrase).model_dump(), role=role, confidence=0.8)
            for role, phrase in arguments
        ],
        time=time,
        place=event_place,
        plover=PloverCoding(type=plover, actor=[span_of(text, trigger)]) if plover else None,
    )


def make_result(article_id: str, events: list[Event]) -> ExtractionResult:
    """A result for ``article_id`` as the hand-built model would return it."""
    return ExtractionResult(article_id=article_id, model=MODEL, events=events)


#: A text with enough in it for events of several types, times and places.
TALKS_TEXT = (
    "On November 30 in Florida, Ukrainian and American delegations met. "
    "Last week Russia attacked Kharkiv. The ministers will sign a deal in December."
)


def talks_result(article_id: str) -> ExtractionResult:
    """Three events of ``TALKS_TEXT``: a one-day meeting, a week-long attack, an undated deal."""
    text = TALKS_TEXT
    return make_result(
        article_id,
        [
            make_event(
                text,
                "met",
                "Meet",
                plover="CONSULT",
                day=dt.date(2025, 11, 30),
                time_phrase="November 30",
                place=("Florida", "US"),
                arguments=(
                    ("Participant", "Ukrainian and American delegations"),
                    ("Place", "Florida"),
                ),
            ),
            make_event(
                text,
                "attacked",
                "Attack",
                plover="ASSAULT",
                days=(dt.date(2025, 11, 24), dt.date(2025, 11, 30)),
                time_phrase="Last week",
                place=("Kharkiv", "UA"),
                arguments=(("Attacker", "Russia"), ("Target", "Kharkiv")),
            ),
            make_event(text, "sign", "Agreement", arguments=(("Participant", "The ministers"),)),
        ],
    )


#: The tenant the store tests store their articles under.
TENANT = "t1"


def key(article_id: str, tenant: str = TENANT) -> str:
    """The store key of one of the test tenant's articles."""
    return store_key(tenant, article_id)


def keys(*article_ids: str) -> list[str]:
    """The store keys of several of the test tenant's articles."""
    return [key(article_id) for article_id in article_ids]


def save_result(store: Store, result: ExtractionResult, tenant: str = TENANT) -> bool:
    """Save ``result`` under the store key of its article in ``tenant``."""
    return store.save_result(key(result.article_id, tenant), result)

"""Translation between the public models and table rows, in one place.

Kept apart from the store's transactions so the mapping rules (how a date is kept as
text, which time an event is filed under) can be read and tested on their own.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from shared.schemas import Article, Event, ExtractionResult
from shared.store.records import StoredArticle, StoredEvent, as_status
from shared.store.tables import ArticleRow, EventRow
from shared.tenants import client_id, store_key


def content_hash(text: str) -> str:
    """sha256 hex of the text with surrounding whitespace stripped: the duplicate key."""
    return hashlib.sha256(text.strip().encode("utf-8")).hexdigest()


def published_at_to_text(value: dt.datetime | dt.date | None) -> str | None:
    """ISO text for a publication date; a date stays 10 characters, a datetime keeps its time."""
    return None if value is None else value.isoformat()


def published_at_from_text(text: str | None) -> dt.datetime | dt.date | None:
    """Inverse of ``published_at_to_text``: a bare ``YYYY-MM-DD`` is a date, else a datetime."""
    if text is None:
        return None
    if len(text) == 10:
        return dt.date.fromisoformat(text)
    return dt.datetime.fromisoformat(text)


def new_article_row(
    tenant: str, article: Article, callback_url: str | None, digest: str, now: dt.datetime
) -> ArticleRow:
    """The row for a newly submitted article of ``tenant``, queued and never attempted.

    ``enqueued_at`` is set before the intake sends the id: if the send then fails the
    intake clears it, and if the intake dies first the sweep finds the message missing.
    """
    return ArticleRow(
        id=store_key(tenant, article.id),
        tenant=tenant,
        client_id=article.id,
        content_hash=digest,
        text=article.text,
        title=article.title,
        url=article.url,
        published_at=published_at_to_text(article.published_at),
        source=article.source,
        status="queued",
        error=None,
        callback_url=callback_url,
        result_json=None,
        attempts=0,
        created_at=now,
        updated_at=now,
        enqueued_at=now,
    )


def stored_article(row: ArticleRow) -> StoredArticle:
    """The public view of an article row (with the client's id), result included if any."""
    article = Article(
        id=row.client_id,
        text=row.text,
        title=row.title,
        url=row.url,
        published_at=published_at_from_text(row.published_at),
        source=row.source,
    )
    result = ExtractionResult.model_validate_json(row.result_json) if row.result_json else None
    return StoredArticle(
        key=row.id,
        tenant=row.tenant,
        article=article,
        status=as_status(row.status),
        error=row.error,
        result=result,
        callback_url=row.callback_url,
        content_hash=row.content_hash,
        attempts=row.attempts,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def event_time_bounds(event: Event) -> tuple[dt.date | None, dt.date | None]:
    """The days an event is filed under: its single day, else its range, else none."""
    if event.time is None:
        return None, None
    if event.time.value is not None:
        return event.time.value, event.time.value
    if event.time.range is not None:
        return event.time.range.start, event.time.range.end
    return None, None


def event_values(key: str, ordinal: int, event: Event) -> dict[str, Any]:
    """The ``events`` row of one event of the article with store key ``key``, as column
    values (inserted in bulk with its arguments' rows, see ``argument_values``)."""
    time_start, time_end = event_time_bounds(event)
    return {
        "article_id": key,
        "ordinal": ordinal,
        "type": event.type,
        "plover_type": event.plover.type if event.plover else None,
        "trigger_text": event.trigger.text,
        "trigger_start": event.trigger.start,
        "trigger_end": event.trigger.end,
        "confidence": event.confidence,
        "sentence": event.sentence,
        "time_start": time_start,
        "time_end": time_end,
        "place_name": event.place.name if event.place else None,
        "country_code": event.place.country_code if event.place else None,
        "event_json": event.model_dump_json(),
    }


def argument_values(event_id: int, event: Event) -> list[dict[str, Any]]:
    """The ``arguments`` rows of ``event``, stored as the event row ``event_id``."""
    return [
        {
            "event_id": event_id,
            "role": argument.role,
            "text": argument.text,
            "start": argument.start,
            "end": argument.end,
            "confidence": argument.confidence,
        }
        for argument in event.arguments
    ]


def stored_event(row: EventRow) -> StoredEvent:
    """The public view of an event row (with the client's article id), rebuilt from its JSON."""
    return StoredEvent(
        id=row.id,
        article_id=client_id(row.article_id),
        event=Event.model_validate_json(row.event_json),
    )

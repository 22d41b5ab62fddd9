"""The store's public records: what callers hand to the store and what they get back.

These live apart from the tables so that the intake can return them as JSON (they are
pydantic models or frozen dataclasses) without knowing anything about SQL.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal, Self, get_args

from pydantic import BaseModel, Field, model_validator

from shared.schemas import Article, Event, ExtractionResult

#: Life cycle of a stored article: queued by the intake, processing in a worker, then done
#: (a result is stored) or failed (the error is stored; the article stays for a retry).
ArticleStatus = Literal["queued", "processing", "done", "failed"]
#: Every status in life-cycle order, for reports that list all of them.
ARTICLE_STATUSES: tuple[ArticleStatus, ...] = get_args(ArticleStatus)


def as_status(value: str) -> ArticleStatus:
    """Narrow a status read from the database to ``ArticleStatus``, refusing unknown ones."""
    for status in ARTICLE_STATUSES:
        if value == status:
            return status
    raise ValueError(f"unknown article status {value!r}; expected one of {ARTICLE_STATUSES}")


@dataclass(frozen=True)
class Submission:
    """One article offered to the store, with the URL to notify when its result is ready."""

    article: Article
    callback_url: str | None = None


@dataclass(frozen=True)
class SubmitOutcome:
    """What happened to one submitted article.

    ``id`` is the submitted id. For a duplicate, nothing was written, ``duplicate_of`` names
    the stored article of the same tenant it duplicates (the same id, or another id with
    the same text) and ``status`` is the status of that stored article.
    """

    id: str
    status: ArticleStatus
    duplicate: bool
    duplicate_of: str | None


class StoredArticle(BaseModel):
    """An article as the store holds it, with its processing state and result.

    ``article.id`` is the client's id; ``key`` (``"<tenant>/<id>"``) names the article inside
    the system (queue messages, worker calls) and must never be shown to a client.
    """

    key: str
    tenant: str
    article: Article
    status: ArticleStatus
    error: str | None
    result: ExtractionResult | None
    callback_url: str | None
    content_hash: str
    attempts: int
    created_at: dt.datetime
    updated_at: dt.datetime


class EventQuery(BaseModel):
    """Filters for stored events; all given filters must hold (AND).

    The time filter keeps events whose normalized time overlaps [time_from, time_to];
    either bound may be left open. Events without a normalized time never match it.
    """

    type: str | None = None
    plover_type: str | None = None
    article_id: str | None = None
    time_from: dt.date | None = None
    time_to: dt.date | None = None
    limit: int = Field(default=50, ge=1, le=500)
    offset: int = Field(default=0, ge=0)

    @model_validator(mode="after")
    def _time_bounds_in_order(self) -> Self:
        if self.time_from and self.time_to and self.time_from > self.time_to:
            raise ValueError(
                f"time_from ({self.time_from}) must not be after time_to ({self.time_to})"
            )
        return self


class StoredEvent(BaseModel):
    """One stored event with its row id and the (client's) id of the article it came from."""

    id: int
    article_id: str
    event: Event


class EventPage(BaseModel):
    """One page of a query; ``total`` counts every match, ignoring limit and offset."""

    items: list[StoredEvent]
    total: int
    limit: int
    offset: int

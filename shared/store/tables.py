"""The SQL tables of the store, as SQLAlchemy typed declarative classes.

Events and arguments are stored as columns (so they can be filtered and indexed) and,
for events, also as JSON (so a query returns exactly the event the tagger produced). The
full ``ExtractionResult`` is kept on the article for an exact round trip. The migrations
in ``migrations/versions`` create these tables; a test checks that both agree.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from shared.tenants import MAX_ID_CHARS, MAX_KEY_CHARS, MAX_TENANT_CHARS


def utc_now() -> dt.datetime:
    """The current time, timezone-aware in UTC (the only time the store writes)."""
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timestamp that is always UTC and always timezone-aware in Python.

    PostgreSQL keeps the zone (timestamptz); SQLite has no zone type, so the value is stored
    as naive UTC text, which also keeps string comparison in SQLite chronological.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value} given for a UTC column")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


#: Constraint names fixed by convention, so migrations can refer to them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of the store's tables."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class ArticleRow(Base):
    """One submitted article, its processing state and its result.

    ``id`` is the store key ``"<tenant>/<client_id>"`` (``shared.tenants``): one string names
    an article everywhere inside the system (events, queue messages), while the client's
    own id and the duplicate check (content hash) are unique per tenant only.
    """

    __tablename__ = "articles"
    __table_args__ = (
        CheckConstraint("status IN ('queued', 'processing', 'done', 'failed')", name="status"),
        # The recovery sweep's three questions, each answered from an index (status first:
        # "done and never announced" must not scan every done article).
        Index("ix_articles_status_enqueued_at", "status", "enqueued_at"),
        Index("ix_articles_status_lease_expires_at", "status", "lease_expires_at"),
        Index("ix_articles_status_announced_at", "status", "announced_at"),
        UniqueConstraint("tenant", "client_id", name="uq_articles_tenant_client_id"),
        UniqueConstraint("tenant", "content_hash", name="uq_articles_tenant_content_hash"),
    )

    id: Mapped[str] = mapped_column(String(MAX_KEY_CHARS), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(MAX_TENANT_CHARS))
    client_id: Mapped[str] = mapped_column(String(MAX_ID_CHARS))
    content_hash: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    title: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    #: ISO text, so that a date stays a date and a datetime keeps its time and zone.
    published_at: Mapped[str | None] = mapped_column(String(64))
    source: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), index=True)
    error: Mapped[str | None] = mapped_column(Text)
    callback_url: Mapped[str | None] = mapped_column(Text)
    result_json: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    #: When the id was last handed to the queue (set just before the send, so a crash between
    #: the two leaves a message the sweep finds missing); null: not sent, the sweep sends it.
    enqueued_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    #: While ``processing``: when the worker's claim runs out (task time limit plus a margin);
    #: after that nobody can still be working on it and the sweep requeues it.
    lease_expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    #: When the result's announcement (stream entry + callback) was claimed; a claim that
    #: is old and never confirmed was lost with its worker or Redis, and is taken over.
    announce_claimed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    #: When the result was announced; null on a done article: still to be announced.
    announced_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class EventRow(Base):
    """One event of an article's result, flattened for filtering."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_time", "time_start", "time_end"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    #: The article's store key.
    article_id: Mapped[str] = mapped_column(
        String(MAX_KEY_CHARS), ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    #: Position of the event in the result, for a stable order.
    ordinal: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(128), index=True)
    plover_type: Mapped[str | None] = mapped_column(String(128), index=True)
    trigger_text: Mapped[str] = mapped_column(Text)
    trigger_start: Mapped[int] = mapped_column(Integer)
    trigger_end: Mapped[int] = mapped_column(Integer)
    confidence: Mapped[float] = mapped_column(Float)
    sentence: Mapped[int] = mapped_column(Integer)
    time_start: Mapped[dt.date | None] = mapped_column(Date)
    time_end: Mapped[dt.date | None] = mapped_column(Date)
    place_name: Mapped[str | None] = mapped_column(Text)
    country_code: Mapped[str | None] = mapped_column(String(8))
    event_json: Mapped[str] = mapped_column(Text)

    arguments: Mapped[list[ArgumentRow]] = relationship(
        back_populates="event", cascade="all, delete-orphan", passive_deletes=True
    )


class ArgumentRow(Base):
    """One argument (role filler) of an event."""

    __tablename__ = "arguments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(128))
    text: Mapped[str] = mapped_column(Text)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    confidence: Mapped[float] = mapped_column(Float)

    event: Mapped[EventRow] = relationship(back_populates="arguments")


class HeartbeatRow(Base):
    """One row that readiness probes rewrite, to prove that the database accepts writes."""

    __tablename__ = "heartbeat"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    beat_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class ApiKeyRow(Base):
    """One API key: its tenant, the SHA-256 of its secret token, its state and quotas.

    The token itself is never stored: it is shown once when the key is created. A quota
    left NULL follows the intake's default setting; 0 means unlimited.
    """

    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(MAX_TENANT_CHARS), index=True)
    name: Mapped[str | None] = mapped_column(String(128))
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    requests_per_minute: Mapped[int | None] = mapped_column(Integer)
    chars_per_day: Mapped[int | None] = mapped_column(BigInteger)

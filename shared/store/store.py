"""The durable store: articles, their processing state and their extracted events.

Both the intake (submits articles, answers queries) and the workers (claim, save, fail)
use this class, possibly from several processes at once. Every write is one short
transaction per article, so a crash loses at most the article being written and never
leaves half a result behind. Duplicate detection relies on the unique constraints on
(tenant, id) and (tenant, content hash): a check before the insert handles the common
case, and a lost race (the other process inserted first) is resolved by re-reading after
the IntegrityError.

Tenancy: the intake's methods (``submit_many``, ``get_article``, ``query_events``) take the
tenant of the request and only ever see that tenant's rows. The workers' methods take
store keys ``"<tenant>/<id>"`` (``shared.tenants``), which the intake put on the queue.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, Table, delete, func, insert, or_, select, text, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from shared.schemas import ExtractionResult
from shared.settings import Settings, get_settings
from shared.store import convert, event_query, migrate
from shared.store.engine import (
    DatabaseTimeouts,
    create_store_engine,
    prepare_sqlite_directory,
    write_engine,
)
from shared.store.outbox import OutboxClaims
from shared.store.records import (
    ARTICLE_STATUSES,
    EventPage,
    EventQuery,
    StoredArticle,
    Submission,
    SubmitOutcome,
    as_status,
)
from shared.store.tables import ArgumentRow, ArticleRow, EventRow, utc_now
from shared.tenants import split_store_key, store_key

#: The Core tables of the bulk inserts in ``save_result``.
EVENTS: Table = EventRow.__table__  # type: ignore[assignment]
ARGUMENTS: Table = ArgumentRow.__table__  # type: ignore[assignment]


class UnknownArticleError(LookupError):
    """Raised when a result is saved for a store key the store does not hold."""


#: How long a processing lease lasts when the caller does not say (the default task time
#: limit plus the default margin; workers pass ``Settings.lease_s()``).
DEFAULT_LEASE_S = 660.0


class Store(OutboxClaims):
    """Access to the newsevents database (SQLite file or PostgreSQL), safe across threads."""

    def __init__(self, url: str, timeouts: DatabaseTimeouts | None = None) -> None:
        self._url = url
        self._engine: Engine = create_store_engine(url, timeouts)
        self._read = sessionmaker(self._engine, expire_on_commit=False)
        self._write = sessionmaker(write_engine(self._engine), expire_on_commit=False)

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> Store:
        """The store named by ``database_url`` in the given (or the process's) settings."""
        settings = settings or get_settings()
        timeouts = DatabaseTimeouts(
            statement_s=settings.db_statement_timeout_s,
            lock_s=settings.db_lock_timeout_s,
            sqlite_busy_s=settings.sqlite_busy_timeout_s,
        )
        return cls(settings.database_url, timeouts)

    def __repr__(self) -> str:
        return f"Store({self._engine.url.render_as_string(hide_password=True)!r})"

    @property
    def engine(self) -> Engine:
        """The underlying engine, for migrations and maintenance."""
        return self._engine

    # -- lifecycle ---------------------------------------------------------------------

    def migrate(self) -> None:
        """Bring the schema up to date (alembic upgrade head); safe to run every start."""
        prepare_sqlite_directory(self._url)
        migrate.upgrade(self._engine)

    def ping(self) -> bool:
        """Whether the database answers a trivial query (for health checks)."""
        try:
            with self._engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except SQLAlchemyError:
            return False
        return True

    def close(self) -> None:
        """Close all pooled connections."""
        self._engine.dispose()

    # -- intake ------------------------------------------------------------------------

    def submit_many(self, tenant: str, items: list[Submission]) -> list[SubmitOutcome]:
        """Store new articles of ``tenant`` as queued, one transaction each; report duplicates.

        An article is a duplicate when the tenant already stored its id, or its text (by
        content hash) under another id; nothing is written for a duplicate. Another
        tenant's articles never make one a duplicate. A later copy in the same batch is a
        duplicate of the earlier one, because that one is committed. Outcomes are in order.
        """
        return [self._submit_one(tenant, item) for item in items]

    def _submit_one(self, tenant: str, item: Submission) -> SubmitOutcome:
        article = item.article
        digest = convert.content_hash(article.text)
        try:
            with self._write.begin() as session:
                existing = _find_duplicate(session, tenant, article.id, digest)
                if existing is not None:
                    return existing
                row = convert.new_article_row(tenant, article, item.callback_url, digest, utc_now())
                session.add(row)
        except IntegrityError:
            # Another process inserted the same id or text between our check and insert.
            with self._read() as session:
                existing = _find_duplicate(session, tenant, article.id, digest)
            if existing is None:
                raise
            return existing
        return SubmitOutcome(id=article.id, status="queued", duplicate=False, duplicate_of=None)

    def get_article(self, tenant: str, article_id: str) -> StoredArticle | None:
        """The tenant's article ``article_id`` with its state and result, or None if unknown."""
        with self._read() as session:
            row = session.get(ArticleRow, store_key(tenant, article_id))
            return convert.stored_article(row) if row is not None else None

    def load_articles(self, keys: list[str]) -> list[StoredArticle]:
        """The stored articles for store ``keys``, in input order; unknown keys are skipped."""
        if not keys:
            return []
        with self._read() as session:
            rows = session.scalars(select(ArticleRow).where(ArticleRow.id.in_(set(keys)))).all()
            by_key = {row.id: convert.stored_article(row) for row in rows}
        return [by_key[key] for key in keys if key in by_key]

    # -- workers -----------------------------------------------------------------------

    def mark_processing(self, keys: list[str], lease_s: float = DEFAULT_LEASE_S) -> None:
        """Record that a worker took these articles (attempts += 1); done ones stay done.

        The worker holds them for ``lease_s`` seconds: after that the recovery sweep takes
        them as abandoned (see ``shared.store.outbox``).
        """
        if not keys:
            return
        now = utc_now()
        with self._write.begin() as session:
            session.execute(
                update(ArticleRow)
                .where(ArticleRow.id.in_(set(keys)), ArticleRow.status != "done")
                .values(
                    status="processing",
                    attempts=ArticleRow.attempts + 1,
                    updated_at=now,
                    lease_expires_at=now + dt.timedelta(seconds=lease_s),
                )
                .execution_options(synchronize_session=False)
            )

    def save_result(self, key: str, result: ExtractionResult) -> bool:
        """Replace the events of the article ``key`` with ``result`` and mark it done, atomically.

        ``result.article_id`` must be the client's id inside ``key`` (ValueError otherwise):
        results keep the id the client knows. Returns True when this is the article's first
        completion (it was not done before), so that the caller notifies subscribers once
        even if a task runs twice. Saving the same result again rewrites the same rows. A
        first completion also claims the announcement for the caller
        (``announce_claimed_at``), who confirms it with ``mark_announced``; the sweep only
        takes claims that were never confirmed.
        """
        if split_store_key(key)[1] != result.article_id:
            raise ValueError(f"result for {result.article_id!r} saved under store key {key!r}")
        with self._write.begin() as session:
            row = session.scalars(
                select(ArticleRow).where(ArticleRow.id == key).with_for_update()
            ).one_or_none()
            if row is None:
                raise UnknownArticleError(f"no stored article with key {key!r}")
            first_completion = row.status != "done"
            session.execute(
                delete(EventRow)
                .where(EventRow.article_id == key)
                .execution_options(synchronize_session=False)
            )
            if result.events:
                # One executemany per table (Core tables: the ORM's bulk insert runs row by
                # row here), the new event ids read back by ordinal: 3 statements for an
                # article instead of one per event.
                session.execute(
                    insert(EVENTS),
                    [convert.event_values(key, i, e) for i, e in enumerate(result.events)],
                )
                rows = session.execute(
                    select(EventRow.ordinal, EventRow.id).where(EventRow.article_id == key)
                )
                event_ids = {ordinal: event_id for ordinal, event_id in rows}
                arguments = [
                    values
                    for ordinal, event in enumerate(result.events)
                    for values in convert.argument_values(event_ids[ordinal], event)
                ]
                if arguments:
                    session.execute(insert(ARGUMENTS), arguments)
            now = utc_now()
            row.result_json = result.model_dump_json()
            row.status = "done"
            row.error = None
            row.updated_at = now
            row.lease_expires_at = None
            if first_completion:
                row.announce_claimed_at = now
                row.announced_at = None
        return first_completion

    def mark_failed(self, key: str, error: str) -> None:
        """Record a failed extraction; the article and its text stay for a retry.

        A done article keeps its result and status: a late failure of a duplicate task
        must not hide a result that another task already stored.
        """
        with self._write.begin() as session:
            session.execute(
                update(ArticleRow)
                .where(ArticleRow.id == key, ArticleRow.status != "done")
                .values(status="failed", error=error, updated_at=utc_now(), lease_expires_at=None)
                .execution_options(synchronize_session=False)
            )

    def find_stale(self, older_than_s: float) -> list[str]:
        """Store keys of queued or processing articles untouched for ``older_than_s`` seconds.

        These are articles whose task was lost (a crashed worker, a flushed queue); the
        caller re-queues them. Oldest first.
        """
        cutoff = utc_now() - dt.timedelta(seconds=older_than_s)
        with self._read() as session:
            return list(
                session.scalars(
                    select(ArticleRow.id)
                    .where(
                        ArticleRow.status.in_(("queued", "processing")),
                        ArticleRow.updated_at < cutoff,
                    )
                    .order_by(ArticleRow.updated_at, ArticleRow.id)
                )
            )

    # -- queries -----------------------------------------------------------------------

    def query_events(self, tenant: str, query: EventQuery) -> EventPage:
        """One page of the tenant's events matching ``query``, with the number of matches."""
        with self._read() as session:
            rows = session.scalars(event_query.page_statement(tenant, query)).all()
            total = session.scalar(event_query.total_statement(tenant, query)) or 0
            items = [convert.stored_event(row) for row in rows]
        return EventPage(items=items, total=total, limit=query.limit, offset=query.offset)

    def count_by_status(self) -> dict[str, int]:
        """Number of articles per status; every status is present, 0 when there are none."""
        counts: dict[str, int] = dict.fromkeys(ARTICLE_STATUSES, 0)
        with self._read() as session:
            for status, count in session.execute(
                select(ArticleRow.status, func.count()).group_by(ArticleRow.status)
            ):
                counts[status] = count
        return counts


def _find_duplicate(
    session: Session, tenant: str, article_id: str, digest: str
) -> SubmitOutcome | None:
    """The duplicate outcome for an article the tenant stored by id or by text, else None."""
    rows = session.execute(
        select(ArticleRow.client_id, ArticleRow.status).where(
            ArticleRow.tenant == tenant,
            or_(ArticleRow.client_id == article_id, ArticleRow.content_hash == digest),
        )
    ).all()
    if not rows:
        return None
    # Prefer the same id over a same-text article stored under another id.
    stored_id, status = min(rows, key=lambda row: row[0] != article_id)
    return SubmitOutcome(
        id=article_id, status=as_status(status), duplicate=True, duplicate_of=stored_id
    )

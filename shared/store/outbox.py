"""The store as the outbox of the queue: claims the recovery sweep takes on stuck articles.

An article's message on Redis and its announcement (stream entry, callback) can be lost
with Redis or with a worker; the store remembers what should have happened, in four
columns, so that the recovery sweep (``workers.recovery``) can finish it without a person:

* ``enqueued_at`` -- null: never handed to the queue (Redis was down), send it;
  old and the message is nowhere in Redis: lost, send it again;
* ``lease_expires_at`` -- a ``processing`` article whose lease ran out has no worker left
  (the task time limit would have ended it): requeue it;
* ``announce_claimed_at`` / ``announced_at`` -- a done article whose announcement was
  claimed long ago and never confirmed: announce it again.

Every claim is a compare-and-set in one write transaction (``FOR UPDATE SKIP LOCKED`` on
PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite), so two workers sweeping at once never take the
same article, and each claim changes the row so that the same article is not taken again
on the next sweep while its new message waits in a long queue.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, case, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from shared.store.tables import ArticleRow, HeartbeatRow, utc_now

#: Most articles one claim takes, so that one sweep stays short.
CLAIM_LIMIT = 1000
#: Statuses of articles that are not finished.
UNFINISHED = ("queued", "processing")


class OutboxClaims:
    """The store's recovery operations; mixed into ``Store``, which provides the sessions."""

    _read: sessionmaker[Session]
    _write: sessionmaker[Session]

    def _claim(
        self,
        conditions: Sequence[ColumnElement[bool]],
        values: dict[str, Any],
        order_by: Any,
        limit: int = CLAIM_LIMIT,
    ) -> list[str]:
        """Set ``values`` on up to ``limit`` rows matching ``conditions``; their ids."""
        with self._write.begin() as session:
            ids = list(
                session.scalars(
                    select(ArticleRow.id)
                    .where(*conditions)
                    .order_by(order_by, ArticleRow.id)
                    .limit(limit)
                    .with_for_update(skip_locked=True)
                )
            )
            if ids:
                session.execute(
                    update(ArticleRow)
                    .where(ArticleRow.id.in_(ids))
                    .values(**values)
                    .execution_options(synchronize_session=False)
                )
        return ids

    # -- the queue ---------------------------------------------------------------------

    def mark_unsent(self, ids: list[str]) -> None:
        """The send of these queued articles failed: leave them for the sweep to send."""
        if not ids:
            return
        with self._write.begin() as session:
            session.execute(
                update(ArticleRow)
                .where(ArticleRow.id.in_(set(ids)), ArticleRow.status == "queued")
                .values(enqueued_at=None)
                .execution_options(synchronize_session=False)
            )

    def claim_unsent(self, limit: int = CLAIM_LIMIT) -> list[str]:
        """Queued articles never handed to the queue, now marked as being sent."""
        return self._claim(
            [ArticleRow.status == "queued", ArticleRow.enqueued_at.is_(None)],
            {"enqueued_at": utc_now()},
            ArticleRow.created_at,
            limit,
        )

    def sent_before(self, cutoff: dt.datetime, limit: int = CLAIM_LIMIT) -> list[str]:
        """Queued articles handed to the queue before ``cutoff`` (candidates for "lost")."""
        with self._read() as session:
            return list(
                session.scalars(
                    select(ArticleRow.id)
                    .where(ArticleRow.status == "queued", ArticleRow.enqueued_at < cutoff)
                    .order_by(ArticleRow.enqueued_at, ArticleRow.id)
                    .limit(limit)
                )
            )

    def claim_resend(self, ids: list[str], cutoff: dt.datetime) -> list[str]:
        """Of ``ids``, the articles still queued and sent before ``cutoff``, marked sent now.

        The condition is checked again under the claim, so an article another sweep has
        just resent (or a worker has just taken) is left alone.
        """
        if not ids:
            return []
        return self._claim(
            [
                ArticleRow.id.in_(set(ids)),
                ArticleRow.status == "queued",
                ArticleRow.enqueued_at < cutoff,
            ],
            {"enqueued_at": utc_now()},
            ArticleRow.enqueued_at,
            len(ids),
        )

    def claim_expired_leases(self, limit: int = CLAIM_LIMIT) -> list[str]:
        """Processing articles whose lease ran out, put back to queued (and marked sent)."""
        now = utc_now()
        return self._claim(
            [ArticleRow.status == "processing", ArticleRow.lease_expires_at < now],
            {"status": "queued", "lease_expires_at": None, "enqueued_at": now, "updated_at": now},
            ArticleRow.lease_expires_at,
            limit,
        )

    def claim_requeue(self, ids: list[str], *, refund_attempt: bool = False) -> list[str]:
        """Put unfinished articles among ``ids`` back to queued (marked sent); their ids.

        ``refund_attempt`` takes back the attempt their last start counted: used when a
        batch was split because it was too large, which is not the articles' fault.
        """
        if not ids:
            return []
        now = utc_now()
        values: dict[str, Any] = {
            "status": "queued",
            "lease_expires_at": None,
            "enqueued_at": now,
            "updated_at": now,
        }
        if refund_attempt:  # an article never started (attempts 0) has nothing to refund
            values["attempts"] = case((ArticleRow.attempts > 0, ArticleRow.attempts - 1), else_=0)
        conditions = [ArticleRow.id.in_(set(ids)), ArticleRow.status.in_(UNFINISHED)]
        return self._claim(conditions, values, ArticleRow.id, len(ids))

    # -- announcements -----------------------------------------------------------------

    def mark_announced(self, article_id: str) -> None:
        """The result's stream entry and callback were handed to Redis: done for good."""
        with self._write.begin() as session:
            session.execute(
                update(ArticleRow)
                .where(ArticleRow.id == article_id)
                .values(announced_at=utc_now())
                .execution_options(synchronize_session=False)
            )

    def claim_announcements(
        self, claimed_before: dt.datetime, limit: int = CLAIM_LIMIT
    ) -> list[str]:
        """Done articles not announced whose claim is older than ``claimed_before``."""
        return self._claim(
            [
                ArticleRow.status == "done",
                ArticleRow.announced_at.is_(None),
                or_(
                    ArticleRow.announce_claimed_at.is_(None),
                    ArticleRow.announce_claimed_at < claimed_before,
                ),
            ],
            {"announce_claimed_at": utc_now()},
            ArticleRow.updated_at,
            limit,
        )

    # -- health ------------------------------------------------------------------------

    def write_heartbeat(self) -> None:
        """Rewrite the one heartbeat row in a write transaction; raises when writes fail."""
        with self._write.begin() as session:
            row = session.get(HeartbeatRow, 1)
            if row is None:
                session.add(HeartbeatRow(id=1, beat_at=utc_now()))
            else:
                row.beat_at = utc_now()

"""Recovery without a person: the outbox, lease and announcement columns, and a heartbeat.

Adds to ``articles`` the columns the recovery sweep reads (``enqueued_at``,
``lease_expires_at``, ``announce_claimed_at``, ``announced_at``) with an index per question,
and a one-row ``heartbeat`` table that ``/readyz`` rewrites to check the store can write.

Existing rows are filled so that the first sweep does not announce or resend history:
done articles count as announced, queued ones as sent (the sweep still resends those whose
message is not in the queue), processing ones get a lease that is already over (their
worker predates the lease, so the sweep requeues them; processing is idempotent).

Revision ID: 0002_leases
Revises: 0001
Create Date: 2026-01-10
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_leases"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NEW_COLUMNS = ("enqueued_at", "lease_expires_at", "announce_claimed_at", "announced_at")
#: index name -> the column indexed after ``status``.
NEW_INDEXES = {
    "ix_articles_status_enqueued_at": "enqueued_at",
    "ix_articles_status_lease_expires_at": "lease_expires_at",
    "ix_articles_status_announced_at": "announced_at",
}


def upgrade() -> None:
    """Add the columns, fill them for existing rows, index them; create the heartbeat."""
    for name in NEW_COLUMNS:  # plain ALTER TABLE ADD COLUMN on every backend, no table copy
        op.add_column("articles", sa.Column(name, sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE articles SET announced_at = updated_at WHERE status = 'done'")
    op.execute("UPDATE articles SET enqueued_at = updated_at WHERE status = 'queued'")
    op.execute("UPDATE articles SET lease_expires_at = updated_at WHERE status = 'processing'")
    for index, column in NEW_INDEXES.items():
        op.create_index(index, "articles", ["status", column])
    op.create_table(
        "heartbeat",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("beat_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_heartbeat"),
    )


def downgrade() -> None:
    """Drop the heartbeat, the indexes and the columns."""
    op.drop_table("heartbeat")
    for index in NEW_INDEXES:
        op.drop_index(index, table_name="articles")
    # Plain ALTER TABLE ... DROP COLUMN (SQLite >= 3.35 has it): a batch "move and copy"
    # would drop the old articles table, and its ON DELETE CASCADE would empty events.
    for name in NEW_COLUMNS:
        op.drop_column("articles", name)

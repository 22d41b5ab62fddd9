"""Tenants: API keys, and articles keyed by ``"<tenant>/<id>"`` with per-tenant uniqueness.

Articles stored before this revision belong to tenant ``default`` (the tenant of an intake
running without authentication): their id ``x`` becomes the store key ``default/x``, their
client id stays ``x``, and their events follow. The content hash stops being unique across
the whole table and becomes unique per tenant (so does the client id).

PostgreSQL changes the tables in place. SQLite cannot drop a unique constraint, and
recreating ``articles`` alone (what Alembic's batch mode does) would cascade-delete every
event, because foreign keys are enforced inside the migration's transaction; so on SQLite
all three tables are rebuilt next to the old ones, copied, and swapped in children-first.

Downgrading refuses while articles of any other tenant exist (the old schema could not
keep their ids and texts apart); it drops the API keys.

Revision ID: 0003_tenants
Revises: 0001
Create Date: 2026-01-10
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.schema import SchemaItem

revision: str = "0003_tenants"
down_revision: str | None = "0002_leases"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: Frozen copies of the limits in ``shared.tenants`` at the time of this revision.
TENANT_CHARS = 64
ID_CHARS = 256
KEY_CHARS = TENANT_CHARS + 1 + ID_CHARS
#: The tenant that owns the articles stored before tenants existed.
LEGACY_TENANT = "default"


def upgrade() -> None:
    """Create ``api_keys``; re-key the articles and their events under the legacy tenant."""
    _create_api_keys()
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_sqlite(tenanted=True)
    else:
        _upgrade_in_place()


def downgrade() -> None:
    """Back to one global id space (refused while other tenants have articles)."""
    others = op.get_bind().execute(
        sa.text("SELECT count(*) FROM articles WHERE tenant <> :tenant"),
        {"tenant": LEGACY_TENANT},
    )
    count = others.scalar_one()
    if count:
        raise RuntimeError(
            f"cannot downgrade below 0003_tenants: {count} articles belong to tenants other "
            f"than {LEGACY_TENANT!r}; the old schema cannot keep them apart"
        )
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_sqlite(tenanted=False)
    else:
        _downgrade_in_place()
    op.drop_index("ix_api_keys_tenant", table_name="api_keys")
    op.drop_table("api_keys")


def _create_api_keys() -> None:
    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("tenant", sa.String(TENANT_CHARS), nullable=False),
        sa.Column("name", sa.String(128), nullable=True),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("requests_per_minute", sa.Integer(), nullable=True),
        sa.Column("chars_per_day", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_api_keys"),
        sa.UniqueConstraint("secret_hash", name="uq_api_keys_secret_hash"),
    )
    op.create_index("ix_api_keys_tenant", "api_keys", ["tenant"])


# -- PostgreSQL: in place --------------------------------------------------------------


def _upgrade_in_place() -> None:
    op.drop_constraint("fk_events_article_id_articles", "events", type_="foreignkey")
    op.drop_constraint("uq_articles_content_hash", "articles", type_="unique")
    _widen_keys(ID_CHARS, KEY_CHARS)
    op.add_column("articles", sa.Column("tenant", sa.String(TENANT_CHARS), nullable=True))
    op.add_column("articles", sa.Column("client_id", sa.String(ID_CHARS), nullable=True))
    op.execute(
        sa.text(
            "UPDATE articles SET tenant = :tenant, client_id = id, id = :prefix || id"
        ).bindparams(tenant=LEGACY_TENANT, prefix=f"{LEGACY_TENANT}/")
    )
    op.execute(
        sa.text("UPDATE events SET article_id = :prefix || article_id").bindparams(
            prefix=f"{LEGACY_TENANT}/"
        )
    )
    op.alter_column("articles", "tenant", existing_type=sa.String(TENANT_CHARS), nullable=False)
    op.alter_column("articles", "client_id", existing_type=sa.String(ID_CHARS), nullable=False)
    for name, columns in _TENANT_UNIQUES:
        op.create_unique_constraint(name, "articles", columns)
    _create_events_foreign_key()


def _downgrade_in_place() -> None:
    op.drop_constraint("fk_events_article_id_articles", "events", type_="foreignkey")
    for name, _columns in _TENANT_UNIQUES:
        op.drop_constraint(name, "articles", type_="unique")
    op.execute(
        "UPDATE events SET article_id = "
        "(SELECT client_id FROM articles WHERE articles.id = events.article_id)"
    )
    op.execute("UPDATE articles SET id = client_id")
    op.drop_column("articles", "client_id")
    op.drop_column("articles", "tenant")
    _widen_keys(KEY_CHARS, ID_CHARS)
    op.create_unique_constraint("uq_articles_content_hash", "articles", ["content_hash"])
    _create_events_foreign_key()


_TENANT_UNIQUES = (
    ("uq_articles_tenant_client_id", ["tenant", "client_id"]),
    ("uq_articles_tenant_content_hash", ["tenant", "content_hash"]),
)


def _widen_keys(old: int, new: int) -> None:
    for table, column in (("articles", "id"), ("events", "article_id")):
        op.alter_column(
            table, column, existing_type=sa.String(old), type_=sa.String(new), nullable=False
        )


def _create_events_foreign_key() -> None:
    op.create_foreign_key(
        "fk_events_article_id_articles",
        "events",
        "articles",
        ["article_id"],
        ["id"],
        ondelete="CASCADE",
    )


# -- SQLite: rebuild and swap ----------------------------------------------------------

_ARTICLE_COLUMNS = (
    "content_hash, text, title, url, published_at, source, status, error, callback_url, "
    "result_json, attempts, created_at, updated_at, "
    "enqueued_at, lease_expires_at, announce_claimed_at, announced_at"
)
_EVENT_COLUMNS = (
    "ordinal, type, plover_type, trigger_text, trigger_start, trigger_end, confidence, "
    "sentence, time_start, time_end, place_name, country_code, event_json"
)
_ARGUMENT_COLUMNS = 'id, event_id, role, text, start, "end", confidence'


def _rebuild_sqlite(tenanted: bool) -> None:
    """New tables ``*_new`` in the target shape, filled from the old ones, then swapped in."""
    key_chars = KEY_CHARS if tenanted else ID_CHARS
    op.create_table("articles_new", *_article_columns(tenanted, key_chars))
    op.create_table("events_new", *_event_columns(key_chars))
    op.create_table("arguments_new", *_argument_columns())
    if tenanted:
        op.execute(
            sa.text(
                f"INSERT INTO articles_new (id, tenant, client_id, {_ARTICLE_COLUMNS}) "
                f"SELECT :prefix || id, :tenant, id, {_ARTICLE_COLUMNS} FROM articles"
            ).bindparams(tenant=LEGACY_TENANT, prefix=f"{LEGACY_TENANT}/")
        )
        op.execute(
            sa.text(
                f"INSERT INTO events_new (id, article_id, {_EVENT_COLUMNS}) "
                f"SELECT id, :prefix || article_id, {_EVENT_COLUMNS} FROM events"
            ).bindparams(prefix=f"{LEGACY_TENANT}/")
        )
    else:
        op.execute(
            f"INSERT INTO articles_new (id, {_ARTICLE_COLUMNS}) "
            f"SELECT client_id, {_ARTICLE_COLUMNS} FROM articles"
        )
        op.execute(
            f"INSERT INTO events_new (id, article_id, {_EVENT_COLUMNS}) "
            f"SELECT events.id, articles.client_id, "
            f"{', '.join('events.' + c.strip() for c in _EVENT_COLUMNS.split(','))} "
            f"FROM events JOIN articles ON articles.id = events.article_id"
        )
    op.execute(
        f"INSERT INTO arguments_new ({_ARGUMENT_COLUMNS}) SELECT {_ARGUMENT_COLUMNS} FROM arguments"
    )
    # Children first: nothing references a table when it is dropped, so nothing cascades.
    for table in ("arguments", "events", "articles"):
        op.drop_table(table)
    # Renaming a parent rewrites the REFERENCES clauses of its (new) children.
    for table in ("articles", "events", "arguments"):
        op.rename_table(f"{table}_new", table)
    _create_indexes()


def _article_columns(tenanted: bool, key_chars: int) -> list[SchemaItem]:
    tenant_items: list[SchemaItem] = []
    if tenanted:
        tenant_items = [
            sa.Column("tenant", sa.String(TENANT_CHARS), nullable=False),
            sa.Column("client_id", sa.String(ID_CHARS), nullable=False),
        ]
        uniques = [sa.UniqueConstraint(*columns, name=name) for name, columns in _TENANT_UNIQUES]
    else:
        uniques = [sa.UniqueConstraint("content_hash", name="uq_articles_content_hash")]
    return [
        sa.Column("id", sa.String(key_chars), nullable=False),
        *tenant_items,
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("published_at", sa.String(64), nullable=True),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("callback_url", sa.Text(), nullable=True),
        sa.Column("result_json", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        # Revision 0002_leases's columns.
        sa.Column("enqueued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("announce_claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("announced_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('queued', 'processing', 'done', 'failed')", name="ck_articles_status"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_articles"),
        *uniques,
    ]


def _event_columns(key_chars: int) -> list[SchemaItem]:
    return [
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("article_id", sa.String(key_chars), nullable=False),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(128), nullable=False),
        sa.Column("plover_type", sa.String(128), nullable=True),
        sa.Column("trigger_text", sa.Text(), nullable=False),
        sa.Column("trigger_start", sa.Integer(), nullable=False),
        sa.Column("trigger_end", sa.Integer(), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("sentence", sa.Integer(), nullable=False),
        sa.Column("time_start", sa.Date(), nullable=True),
        sa.Column("time_end", sa.Date(), nullable=True),
        sa.Column("place_name", sa.Text(), nullable=True),
        sa.Column("country_code", sa.String(8), nullable=True),
        sa.Column("event_json", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles_new.id"],
            name="fk_events_article_id_articles",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_events"),
    ]


def _argument_columns() -> list[SchemaItem]:
    return [
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(128), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("end", sa.Integer(), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events_new.id"],
            name="fk_arguments_event_id_events",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_arguments"),
    ]


def _create_indexes() -> None:
    """The indexes of revisions 0001 and 0002_leases (dropped with the old tables; the
    names are global)."""
    op.create_index("ix_articles_status", "articles", ["status"])
    for column in ("enqueued_at", "lease_expires_at", "announced_at"):
        op.create_index(f"ix_articles_status_{column}", "articles", ["status", column])
    op.create_index("ix_events_article_id", "events", ["article_id"])
    op.create_index("ix_events_type", "events", ["type"])
    op.create_index("ix_events_plover_type", "events", ["plover_type"])
    op.create_index("ix_events_time", "events", ["time_start", "time_end"])
    op.create_index("ix_arguments_event_id", "arguments", ["event_id"])

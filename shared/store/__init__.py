"""The durable store of newsevents: articles, their state and their events, in SQL.

SQLite (a file under ``var/``) by default, PostgreSQL when ``DATABASE_URL`` names one.
The schema is managed by the Alembic migrations shipped in ``migrations/``; call
``Store.migrate()`` once at start-up.
"""

from shared.store.convert import content_hash
from shared.store.records import (
    ARTICLE_STATUSES,
    ArticleStatus,
    EventPage,
    EventQuery,
    StoredArticle,
    StoredEvent,
    Submission,
    SubmitOutcome,
)
from shared.store.store import Store, UnknownArticleError

__all__ = [
    "ARTICLE_STATUSES",
    "ArticleStatus",
    "EventPage",
    "EventQuery",
    "Store",
    "StoredArticle",
    "StoredEvent",
    "Submission",
    "SubmitOutcome",
    "UnknownArticleError",
    "content_hash",
]

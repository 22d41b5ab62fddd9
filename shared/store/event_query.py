"""The SQL behind ``Store.query_events``: filters, stable order and the total count.

Filters are AND-ed. The time filter is an overlap test on the event's [time_start,
time_end] days, so a range event ("last week") matches any query window it touches.
Order is article creation time, then the event's position, so pages never shuffle.
Every statement is scoped to one tenant: it joins the articles and keeps that tenant's
only, and an ``article_id`` filter names the client's id within that tenant.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, func, select

from shared.store.records import EventQuery
from shared.store.tables import ArticleRow, EventRow
from shared.tenants import store_key


def event_conditions(tenant: str, query: EventQuery) -> list[ColumnElement[bool]]:
    """The WHERE conditions for ``tenant`` and the filters set in ``query``."""
    conditions: list[ColumnElement[bool]] = [ArticleRow.tenant == tenant]
    if query.type is not None:
        conditions.append(EventRow.type == query.type)
    if query.plover_type is not None:
        conditions.append(EventRow.plover_type == query.plover_type)
    if query.article_id is not None:
        conditions.append(EventRow.article_id == store_key(tenant, query.article_id))
    if query.time_from is not None or query.time_to is not None:
        conditions.append(EventRow.time_start.is_not(None))
        conditions.append(EventRow.time_end.is_not(None))
    if query.time_from is not None:
        conditions.append(EventRow.time_end >= query.time_from)
    if query.time_to is not None:
        conditions.append(EventRow.time_start <= query.time_to)
    return conditions


def page_statement(tenant: str, query: EventQuery) -> Select[EventRow]:
    """The events of one page of ``tenant``, in stable order."""
    return (
        select(EventRow)
        .join(ArticleRow, ArticleRow.id == EventRow.article_id)
        .where(*event_conditions(tenant, query))
        .order_by(ArticleRow.created_at, EventRow.article_id, EventRow.ordinal, EventRow.id)
        .limit(query.limit)
        .offset(query.offset)
    )


def total_statement(tenant: str, query: EventQuery) -> Select[int]:
    """How many events of ``tenant`` match, ignoring limit and offset."""
    return (
        select(func.count(EventRow.id))
        .join(ArticleRow, ArticleRow.id == EventRow.article_id)
        .where(*event_conditions(tenant, query))
    )

"""The HTTP routes of the intake; each one is thin and hands its work to a module that owns it.

Blocking work (SQL, Redis) runs in FastAPI's thread pool: plain ``def`` routes get that for
free, and the one ``async`` route (it must read the raw body) calls ``run_in_threadpool``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from services.intake.auth import PrincipalDep
from services.intake.body import read_body
from services.intake.deps import SettingsDep, StoreDep
from services.intake.errors import FieldError, IntakeError
from services.intake.metrics import record_submission
from services.intake.models import (
    ArticleStatusOut,
    ErrorResponse,
    Health,
    Readiness,
    SubmitResponse,
    submit_body_openapi,
)
from services.intake.quotas import QuotaCounter
from services.intake.readiness import check_readiness
from services.intake.submission import submit_request
from shared.schemas import Article, find_control_character
from shared.store import EventPage, EventQuery, Store, StoredArticle

#: OpenAPI description of POST /v1/articles; the partial-success rule is part of the contract.
SUBMIT_DESCRIPTION = """\
Store articles and queue them for event extraction.

The body is **one article**, a **JSON array of articles**, or **`{"articles": [...]}`**.
An article without `id` gets one derived from its text (`sha256-` + 16 hex digits).

* **202**: every article accepted; `articles` lists `{index, id, status, duplicate,
  duplicate_of}` in request order. Duplicates (same id, or same text as a stored
  article) are not queued again; `duplicate_of` names the stored article.
* **Partial success**: when some items of a batch are invalid, the valid ones are
  **still stored and queued**, and the answer is the 4xx of the bad items (422, or 413
  when the only problem is text length) with `detail` (one `{index, field, message}`
  per problem, e.g. field `articles[2].text`) **and** `accepted` (the entries a 202
  would have listed for the valid items).
* **400** malformed JSON (with line and column), nesting deeper than 32 levels or a number
  longer than 100 digits, **415** a content type other than JSON, **413** a body over
  `max_request_bytes` (refused before parsing) or a batch over `max_batch_articles`
  (nothing stored).
* **503** the articles were stored but the queue (Redis) is unreachable; `accepted` lists
  them, they stay `queued` and are picked up once the queue is back.
"""

#: The documented request body of POST /v1/articles, and the schemas it refers to.
SUBMIT_REQUEST_BODY, SUBMIT_BODY_SCHEMAS = submit_body_openapi()

#: Every route answers a bad parameter with the intake's own error body (not FastAPI's).
router = APIRouter(responses={422: {"description": "Invalid parameters.", "model": ErrorResponse}})

#: Answers every /v1 route may give besides its own (documented in /openapi.json).
AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "No API key, or an unknown or revoked one (`WWW-Authenticate`)."},
    429: {"description": "The API key's quota is spent; retry after `Retry-After` seconds."},
}

#: Largest ``offset`` of ``/v1/events``: beyond it the database integer would overflow.
MAX_OFFSET = 1_000_000_000


@router.post(
    "/v1/articles",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=SubmitResponse,
    summary="Submit articles for event extraction",
    description=SUBMIT_DESCRIPTION,
    tags=["articles"],
    responses={
        **AUTH_RESPONSES,
        400: {"description": "Malformed JSON or empty body.", "model": ErrorResponse},
        413: {"description": "Body, batch or article too large.", "model": ErrorResponse},
        415: {"description": "Body is not JSON.", "model": ErrorResponse},
        422: {"description": "Invalid articles.", "model": ErrorResponse},
        503: {"description": "Stored, but the queue is unreachable.", "model": ErrorResponse},
    },
    openapi_extra={"requestBody": SUBMIT_REQUEST_BODY},
)
async def submit_articles(
    request: Request, store: StoreDep, settings: SettingsDep, principal: PrincipalDep
) -> SubmitResponse:
    """Store and queue the articles of the body (see the description for the rules)."""
    quotas: QuotaCounter = request.app.state.quotas
    try:
        body = await read_body(request, settings.max_request_bytes)
        accepted = await run_in_threadpool(
            submit_request,
            request.headers.get("content-type"),
            body,
            store,
            settings,
            principal.tenant,
            lambda chars: quotas.charge_chars(principal.limits, chars),
        )
    except IntakeError as error:
        record_submission(error.accepted or [], error)
        raise
    record_submission(accepted, None)
    return SubmitResponse(articles=accepted)


@router.get(
    "/v1/articles/{article_id}",
    response_model=ArticleStatusOut,
    summary="State and result of one article",
    tags=["articles"],
    responses={**AUTH_RESPONSES, 404: {"description": "No article with this id."}},
)
def get_article(article_id: str, store: StoreDep, principal: PrincipalDep) -> ArticleStatusOut:
    """The article's status, error and attempts; the extraction result once it is done."""
    stored = _stored_article(store, principal.tenant, article_id)
    return ArticleStatusOut(
        id=stored.article.id,
        status=stored.status,
        error=stored.error,
        attempts=stored.attempts,
        created_at=stored.created_at,
        updated_at=stored.updated_at,
        result=stored.result if stored.status == "done" else None,
    )


@router.get(
    "/v1/articles/{article_id}/content",
    response_model=Article,
    summary="The stored article itself: text, title, source, publication date",
    tags=["articles"],
    responses={**AUTH_RESPONSES, 404: {"description": "No article with this id."}},
)
def get_article_content(article_id: str, store: StoreDep, principal: PrincipalDep) -> Article:
    """The article as stored, so a client (the viewer) can show a result's offsets in its text."""
    return _stored_article(store, principal.tenant, article_id).article


def _stored_article(store: Store, tenant: str, article_id: str) -> StoredArticle:
    """The tenant's article ``article_id``; 404 when it has none by that id."""
    _refuse_control_characters({"article_id": article_id})
    stored = store.get_article(tenant, article_id)
    if stored is None:
        raise HTTPException(status_code=404, detail=f"article '{article_id}' not found")
    return stored


@router.get(
    "/v1/events",
    response_model=EventPage,
    summary="Search extracted events",
    tags=["events"],
    responses=AUTH_RESPONSES,
)
def list_events(
    store: StoreDep,
    principal: PrincipalDep,
    event_type: Annotated[str | None, Query(alias="type", description="Event type.")] = None,
    plover_type: Annotated[str | None, Query(description="PLOVER event type.")] = None,
    article_id: Annotated[str | None, Query(description="Only this article's events.")] = None,
    date_from: Annotated[
        dt.date | None, Query(description="Events whose time ends on or after this day.")
    ] = None,
    date_to: Annotated[
        dt.date | None, Query(description="Events whose time starts on or before this day.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500, description="Page size.")] = 50,
    offset: Annotated[
        int, Query(ge=0, le=MAX_OFFSET, description="Events to skip (at most 10^9).")
    ] = 0,
) -> EventPage:
    """One page of stored events matching every given filter, with the total count."""
    _refuse_control_characters(
        {"type": event_type, "plover_type": plover_type, "article_id": article_id}
    )
    if date_from and date_to and date_from > date_to:
        message = f"date_from ({date_from}) is after date_to ({date_to})"
        raise IntakeError(422, [FieldError(field="date_from", message=message)])
    query = EventQuery(
        type=event_type,
        plover_type=plover_type,
        article_id=article_id,
        time_from=date_from,
        time_to=date_to,
        limit=limit,
        offset=offset,
    )
    return store.query_events(principal.tenant, query)


def _refuse_control_characters(values: dict[str, str | None]) -> None:
    """422 for a path or query value holding a control character (PostgreSQL refuses NUL in
    text, which would otherwise surface as a 500; no stored value can hold one)."""
    errors = []
    for name, value in values.items():
        offset = None if value is None else find_control_character(value)
        if value is not None and offset is not None:
            message = f"contains control character U+{ord(value[offset]):04X} at offset {offset}"
            errors.append(FieldError(field=name, message=message))
    if errors:
        raise IntakeError(422, errors)


@router.get("/healthz", response_model=Health, summary="Liveness", tags=["operations"])
async def healthz() -> Health:
    """The process is up; checks nothing else (use /readyz for dependencies).

    ``async`` on purpose: it answers on the event loop, so a stalled database that holds
    every thread of the pool (where the plain ``def`` routes run) cannot make it hang.
    """
    return Health(status="ok")


@router.get(
    "/readyz",
    response_model=Readiness,
    summary="Readiness: Redis, store and at least one worker answer",
    tags=["operations"],
    responses={503: {"description": "A dependency is missing.", "model": Readiness}},
)
def readyz(store: StoreDep, settings: SettingsDep) -> Any:
    """200 when the intake's work can get done now, else 503 with the failing checks."""
    readiness = check_readiness(settings.redis_url, store)
    if not readiness.ready:
        return JSONResponse(status_code=503, content=readiness.model_dump(mode="json"))
    return readiness

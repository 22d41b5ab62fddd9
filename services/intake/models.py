"""Request and response bodies of the intake API, with the examples shown at ``/docs``.

An incoming article (``ArticleIn``) follows the rules of ``shared.schemas.Article`` (it
inherits its validators) but may leave out ``id`` -- the intake then derives a stable id
from the text -- and may name a ``callback_url`` to notify when the result is ready.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, TypeAdapter, field_validator

from services.intake.errors import FieldError
from shared.schemas import Article, ExtractionResult
from shared.store import ArticleStatus

_EXAMPLE_TEXT = (
    "On November 30 in Florida, a meeting took place between the Ukrainian and American "
    "delegations."
)


class ArticleIn(Article):
    """One article as a client sends it; ``id`` is optional here."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "id": "ukrinform-2025-12-06",
                    "text": _EXAMPLE_TEXT,
                    "title": "Zelensky, Rutte discuss Ukraine - U.S. meeting on peace plan",
                    "url": "https://www.ukrinform.net/rubric-polytics/peace-talks.html",
                    "published_at": "2025-12-06",
                    "source": "Ukrinform",
                    "callback_url": "https://example.org/hooks/newsevents",
                },
                {"text": _EXAMPLE_TEXT, "published_at": "2025-12-06T09:30:00+02:00"},
            ]
        },
    )

    # The intake derives a missing id from the text, so here it may be omitted.
    id: str | None = Field(  # type: ignore[assignment]
        default=None,
        min_length=1,
        max_length=256,
        description="Client-chosen article id; derived from the text's SHA-256 when omitted.",
    )
    callback_url: HttpUrl | None = Field(
        default=None, description="http(s) URL that receives the result as a POST when done."
    )

    @field_validator("id")
    @classmethod
    def _id_not_blank(cls, value: str | None) -> str | None:  # type: ignore[override]
        # Must keep the name: it replaces Article's validator, which does not expect None.
        if value is not None and not value.strip():
            raise ValueError("id must not be blank")
        return value

    @field_validator("published_at", mode="before")
    @classmethod
    def _bare_date_stays_a_date(cls, value: Any) -> Any:
        # In Python mode pydantic reads "2025-12-06" as midnight of a datetime (the first
        # member of the union); a publication day must stay a day, without a made-up time.
        if isinstance(value, str) and len(value) == 10:
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                return value  # let the normal validation word the error
        return value

    def to_article(self, article_id: str) -> Article:
        """The shared Article, with ``article_id`` (given or derived) filled in."""
        fields = self.model_dump(exclude={"id", "callback_url"})
        return Article(id=article_id, **fields)


class ArticleBatchIn(BaseModel):
    """Several articles in one request, wrapped in an object."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "articles": [
                        {"id": "a-1", "text": _EXAMPLE_TEXT, "published_at": "2025-12-06"},
                        {"text": "Protesters gathered in Tbilisi on Friday."},
                    ]
                }
            ]
        },
    )

    articles: Annotated[list[ArticleIn], Field(min_length=1)]


#: The three accepted body shapes of POST /v1/articles, for the OpenAPI description.
SubmitBody = ArticleIn | Annotated[list[ArticleIn], Field(min_length=1)] | ArticleBatchIn


def submit_body_openapi() -> tuple[dict[str, Any], dict[str, Any]]:
    """The OpenAPI ``requestBody`` of POST /v1/articles and the component schemas it refers to.

    The route reads the raw body (to keep valid items of a partly bad batch), so FastAPI
    cannot document it by itself; this describes the same three shapes for ``/docs``.
    """
    schema = TypeAdapter(SubmitBody).json_schema(ref_template="#/components/schemas/{model}")
    components: dict[str, Any] = schema.pop("$defs", {})
    single = {"id": "a-1", "text": _EXAMPLE_TEXT, "published_at": "2025-12-06"}
    examples = {
        "single": {"summary": "One article", "value": single},
        "array": {"summary": "A JSON array", "value": [single, {"text": _EXAMPLE_TEXT + " 2"}]},
        "wrapped": {"summary": "Wrapped batch", "value": {"articles": [single]}},
    }
    request_body = {
        "required": True,
        "content": {"application/json": {"schema": schema, "examples": examples}},
    }
    return request_body, components


class AcceptedArticle(BaseModel):
    """What happened to one article of the request."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "index": 0,
                    "id": "ukrinform-2025-12-06",
                    "status": "queued",
                    "duplicate": False,
                    "duplicate_of": None,
                }
            ]
        }
    )

    index: int = Field(description="Position of the article in the request (0-based).")
    id: str = Field(description="The article id (given or derived).")
    status: ArticleStatus = Field(description="Status of the stored article.")
    duplicate: bool = Field(description="True when the article was already stored (not queued).")
    duplicate_of: str | None = Field(
        default=None, description="Id of the stored article this one duplicates."
    )


class SubmitResponse(BaseModel):
    """The 202 answer: one entry per article, in request order."""

    articles: list[AcceptedArticle]


class ErrorResponse(BaseModel):
    """Every 4xx/5xx answer: what is wrong and, when part of a batch was stored anyway,
    the articles that were (so partial success is never silent)."""

    detail: str | list[FieldError] = Field(
        description="A sentence for a whole-request problem, or one {index, field, message} "
        "entry per problem of an article or a query parameter."
    )
    accepted: list[AcceptedArticle] | None = Field(
        default=None,
        description="The articles of the same batch that were stored and queued regardless "
        "(present whenever any were).",
    )


class ArticleStatusOut(BaseModel):
    """The state of a submitted article; ``result`` is set once it is done."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "ukrinform-2025-12-06",
                    "status": "done",
                    "error": None,
                    "attempts": 1,
                    "created_at": "2025-12-06T10:00:00Z",
                    "updated_at": "2025-12-06T10:00:02Z",
                    "result": {
                        "article_id": "ukrinform-2025-12-06",
                        "model": {"name": "newsevents-tagger", "version": "1"},
                        "events": [],
                    },
                }
            ]
        }
    )

    id: str
    status: ArticleStatus
    error: str | None = Field(default=None, description="Why the last attempt failed.")
    attempts: int = Field(description="How many times a worker has tried the article.")
    created_at: dt.datetime
    updated_at: dt.datetime
    result: ExtractionResult | None = Field(default=None, description="Set when status is done.")


class Health(BaseModel):
    """The liveness answer."""

    status: str = Field(examples=["ok"])


class ReadinessChecks(BaseModel):
    """The dependencies the intake needs to do useful work."""

    redis: bool = Field(description="Redis answered PING.")
    store: bool = Field(description="The database answered.")
    store_writable: bool = Field(
        description="The database accepted a write (the heartbeat row, in a transaction): "
        "false when it is read-only, its disk is full or its locks are stuck."
    )
    workers: int = Field(description="Celery workers that answered a control ping.")


class Readiness(BaseModel):
    """The readiness answer: ready only when every check passed."""

    ready: bool
    checks: ReadinessChecks

"""Errors of the intake and the handlers that turn them into clear JSON answers.

Every 4xx/5xx body has a ``detail``: a sentence for whole-request problems (malformed
JSON, a batch too large, Redis down) or a list of ``{index, field, message}`` entries for
problems of single articles or query parameters. When part of a batch was stored anyway,
the body also carries ``accepted`` so that the client learns the ids it must follow; an
error answer must never hide that work was done.

An outage of a dependency (the database refuses, times out or is read-only; Redis is
unreachable) is the server's temporary trouble, not a bug: it answers 503 with a
``Retry-After`` header, never 500, and the body names the dependency without its internals.
"""

from __future__ import annotations

import logging
from typing import Any

import redis.exceptions
import sqlalchemy.exc
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from kombu.exceptions import OperationalError as KombuOperationalError
from pydantic import BaseModel, Field

logger = logging.getLogger(__name__)

#: Seconds a client is asked to wait (``Retry-After``) after a dependency outage.
RETRY_AFTER_S = 5
#: Errors of the database meaning "unavailable now" (refused, timed out, read-only, full).
STORE_OUTAGES: tuple[type[Exception], ...] = (
    sqlalchemy.exc.OperationalError,  # refused, timed out, disk full, read-only (SQLite)
    sqlalchemy.exc.InternalError,  # read-only transaction (PostgreSQL)
    sqlalchemy.exc.InterfaceError,
    sqlalchemy.exc.TimeoutError,  # no pooled connection free in time
)
#: Errors of Redis meaning "unreachable now".
REDIS_OUTAGES: tuple[type[Exception], ...] = (
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    KombuOperationalError,
)


class FieldError(BaseModel):
    """One problem with one field of the request, in words a client author can act on."""

    index: int | None = Field(
        default=None, description="Position of the article in the batch (0-based), if any."
    )
    field: str = Field(description='Where the problem is, e.g. "articles[2].text" or "date_from".')
    message: str


class IntakeError(Exception):
    """A request the intake answers with ``status_code`` and a JSON body built from ``detail``.

    ``accepted`` (entries of articles that were stored despite the error) is added to the
    body when it is not None, so partial success is never silent. ``headers`` are sent
    with the answer (``WWW-Authenticate``, ``Retry-After``).
    """

    def __init__(
        self,
        status_code: int,
        detail: str | list[FieldError],
        accepted: list[Any] | None = None,
        retry_after_s: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail if isinstance(detail, str) else f"{len(detail)} field errors")
        self.status_code = status_code
        self.detail = detail
        self.accepted = accepted
        self.retry_after_s = retry_after_s
        self.extra_headers = headers or {}

    def headers(self) -> dict[str, str] | None:
        """``Retry-After`` when the client should come back later, and any others given."""
        headers = dict(self.extra_headers)
        if self.retry_after_s is not None:
            headers["Retry-After"] = str(self.retry_after_s)
        return headers or None

    def body(self) -> dict[str, Any]:
        """The JSON body of the answer."""
        detail: Any = (
            self.detail
            if isinstance(self.detail, str)
            else [error.model_dump(mode="json") for error in self.detail]
        )
        body: dict[str, Any] = {"detail": detail}
        if self.accepted is not None:
            body["accepted"] = [
                item.model_dump(mode="json") if isinstance(item, BaseModel) else item
                for item in self.accepted
            ]
        return body


def location_name(location: tuple[int | str, ...]) -> str:
    """A FastAPI error location without its source prefix, e.g. ``("query", "limit")`` -> limit."""
    parts = [str(part) for part in location]
    if parts and parts[0] in ("query", "path", "body", "header", "cookie"):
        parts = parts[1:]
    return ".".join(parts) or "request"


async def handle_intake_error(_request: Request, error: Exception) -> JSONResponse:
    """Answer an IntakeError with its status and body."""
    assert isinstance(error, IntakeError)
    return JSONResponse(
        status_code=error.status_code, content=error.body(), headers=error.headers()
    )


def outage_answer(dependency: str, error: Exception) -> JSONResponse:
    """503 with ``Retry-After`` for an unavailable dependency; the error goes to the log."""
    logger.warning("%s unavailable: %s: %s", dependency, type(error).__name__, error)
    outage = IntakeError(
        503,
        f"the {dependency} is unavailable right now; retry in {RETRY_AFTER_S} s",
        retry_after_s=RETRY_AFTER_S,
    )
    return JSONResponse(status_code=503, content=outage.body(), headers=outage.headers())


async def handle_store_outage(_request: Request, error: Exception) -> JSONResponse:
    """The database refused, timed out or cannot write: 503, not 500."""
    return outage_answer("database", error)


async def handle_redis_outage(_request: Request, error: Exception) -> JSONResponse:
    """Redis is unreachable: 503, not 500."""
    return outage_answer("queue (Redis)", error)


async def handle_request_validation(_request: Request, error: Exception) -> JSONResponse:
    """Answer FastAPI's parameter validation errors as ``{field, message}`` entries (422)."""
    assert isinstance(error, RequestValidationError)
    errors = [
        FieldError(field=location_name(tuple(item["loc"])), message=item["msg"])
        for item in error.errors()
    ]
    return JSONResponse(status_code=422, content=IntakeError(422, errors).body())


def install_error_handlers(app: FastAPI) -> None:
    """Register the intake's exception handlers on ``app``."""
    app.add_exception_handler(IntakeError, handle_intake_error)
    app.add_exception_handler(RequestValidationError, handle_request_validation)
    for store_error in STORE_OUTAGES:
        app.add_exception_handler(store_error, handle_store_outage)
    for redis_error in REDIS_OUTAGES:
        app.add_exception_handler(redis_error, handle_redis_outage)

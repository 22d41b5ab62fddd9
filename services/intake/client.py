"""A small HTTP client of the intake API, for the command line and for scripts.

It speaks the intake's contract and nothing more: post a batch, read one article's state.
Answers are returned as they come (status code and JSON), because a 4xx with ``accepted``
is a partial success the caller must handle, not an exception. Only a connection that
cannot be made is raised, as ``IntakeUnreachable``, so callers can tell "the intake said
no" from "there is no intake". Every call carries the API key given at construction
(``Authorization: Bearer``); the command line takes it from ``--api-key`` or
``NEWSEVENTS_API_KEY``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from types import TracebackType
from typing import Any
from urllib.parse import quote

import httpx

#: Environment variable naming the intake's base URL for the command line.
INTAKE_URL_ENV = "NEWSEVENTS_INTAKE_URL"
#: Environment variable holding the API key the command line sends.
API_KEY_ENV = "NEWSEVENTS_API_KEY"
#: Where ``uvicorn services.intake.app:app`` listens by default.
DEFAULT_INTAKE_URL = "http://127.0.0.1:8000"
#: Seconds one request may take; a large batch is stored in one request.
REQUEST_TIMEOUT_S = 60.0


def default_intake_url() -> str:
    """The intake URL from the environment, else the local default."""
    return os.environ.get(INTAKE_URL_ENV) or DEFAULT_INTAKE_URL


def default_api_key() -> str | None:
    """The API key from the environment, if any."""
    return os.environ.get(API_KEY_ENV) or None


class IntakeUnreachable(Exception):
    """No answer from the intake at all (refused, timed out, name not found)."""


@dataclass(frozen=True)
class Answer:
    """One HTTP answer of the intake: its status code and decoded JSON body."""

    status_code: int
    body: Any


class IntakeClient:
    """Calls of the intake API over one pooled connection; use as a context manager."""

    def __init__(
        self, base_url: str, api_key: str | None = None, timeout_s: float = REQUEST_TIMEOUT_S
    ) -> None:
        self.base_url = base_url.rstrip("/")
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout_s, headers=headers)

    def __enter__(self) -> IntakeClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def _request(self, method: str, path: str, **kwargs: Any) -> Answer:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.TransportError as error:
            raise IntakeUnreachable(
                f"cannot reach the intake at {self.base_url}: {error or type(error).__name__}"
            ) from error
        try:
            body = response.json()
        except ValueError:
            body = {"detail": response.text or response.reason_phrase}
        return Answer(response.status_code, body)

    def submit(self, articles: list[dict[str, Any]]) -> Answer:
        """POST one batch to /v1/articles."""
        return self._request("POST", "/v1/articles", json={"articles": articles})

    def article(self, article_id: str) -> Answer:
        """GET /v1/articles/{id}: the state (and result, when done) of one article."""
        return self._request("GET", f"/v1/articles/{quote(article_id, safe='')}")

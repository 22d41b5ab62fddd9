"""The intake web service: ``uvicorn services.intake.app:app``.

``create_app`` builds an app around one ``Settings`` object; its lifespan opens the store
and brings the schema up to date before the first request, sets up authentication and
the quota counters, and closes them on the way out. Tests build their own app with their
own settings (and, for quotas, their own clock) instead of patching globals.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from services.intake.auth import Authenticator
from services.intake.errors import install_error_handlers
from services.intake.metrics import install_metrics
from services.intake.quotas import QuotaCounter
from services.intake.routes import SUBMIT_BODY_SCHEMAS, router
from services.intake.viewer import install_viewer
from shared.log_format import configure_logging
from shared.settings import Settings, get_settings
from shared.store import Store
from shared.store.api_keys import ApiKeys
from shared.tenants import DEFAULT_TENANT

logger = logging.getLogger(__name__)

TITLE = "newsevents intake"
VERSION = "1"
DESCRIPTION = (
    "Submit news articles for event extraction, follow their processing and search the "
    "extracted events. Errors answer with a `detail` that names the field and the problem.\n\n"
    "Every `/v1` route needs an API key, sent as `Authorization: Bearer <key>` (401 without "
    "one); everything a key stores or reads belongs to its tenant. Over the key's quota the "
    "answer is 429 with `Retry-After` (seconds)."
)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Open and migrate the store, set up keys and quotas before serving; close at shutdown."""
    settings: Settings = app.state.settings
    store = Store.from_settings(settings)
    quotas = QuotaCounter.from_url(settings.redis_url, app.state.quota_clock)
    try:
        store.migrate()
        app.state.store = store
        app.state.authenticator = Authenticator(ApiKeys(store), settings)
        app.state.quotas = quotas
        if not settings.auth_required:
            logger.warning(
                "authentication is OFF (NEWSEVENTS_AUTH_REQUIRED=false): no API key is asked "
                "for and every request belongs to tenant %r; never expose this intake",
                DEFAULT_TENANT,
            )
        yield
    finally:
        quotas.close()
        store.close()


def install_openapi(app: FastAPI) -> None:
    """Add the schemas of the hand-documented POST /v1/articles body to ``/openapi.json``."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            schema.setdefault("components", {}).setdefault("schemas", {}).update(
                SUBMIT_BODY_SCHEMAS
            )
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def create_app(
    settings: Settings | None = None, quota_clock: Callable[[], float] = time.time
) -> FastAPI:
    """A ready-to-serve intake app using ``settings`` (the environment's when None).

    ``quota_clock`` (seconds since the epoch) places requests in quota windows.
    """
    settings = settings or get_settings()
    app = FastAPI(title=TITLE, version=VERSION, description=DESCRIPTION, lifespan=lifespan)
    app.state.settings = settings
    app.state.quota_clock = quota_clock
    install_error_handlers(app)
    app.include_router(router)
    install_viewer(app)
    install_metrics(app)
    install_openapi(app)
    return app


def served_app() -> FastAPI:
    """The app uvicorn serves, with the process's logging set up from the settings (an
    embedding program or a test keeps its own logging: ``create_app`` leaves it alone)."""
    settings = get_settings()
    configure_logging(settings.log_format, settings.log_level)
    return create_app(settings)


app = served_app()

"""The intake web service: ``uvicorn services.intake.app:app``.

``create_app`` builds an app around one ``Settings`` object; its lifespan opens the store
and brings the schema up to date before the first request, and closes the store on the
way out. Tests build their own app with their own settings instead of patching globals.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from services.intake.errors import install_error_handlers
from services.intake.routes import SUBMIT_BODY_SCHEMAS, router
from shared.log_format import configure_logging
from shared.settings import Settings, get_settings
from shared.store import Store

TITLE = "newsevents intake"
VERSION = "1"
DESCRIPTION = (
    "Submit news articles for event extraction, follow their processing and search the "
    "extracted events. Errors answer with a `detail` that names the field and the problem."
)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Open the store and migrate it before serving; close it at shutdown."""
    settings: Settings = app.state.settings
    store = Store.from_settings(settings)
    try:
        store.migrate()
        app.state.store = store
        yield
    finally:
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


def create_app(settings: Settings | None = None) -> FastAPI:
    """A ready-to-serve intake app using ``settings`` (the environment's when None)."""
    settings = settings or get_settings()
    configure_logging(settings.log_format, settings.log_level)
    app = FastAPI(title=TITLE, version=VERSION, description=DESCRIPTION, lifespan=lifespan)
    app.state.settings = settings
    install_error_handlers(app)
    app.include_router(router)
    install_openapi(app)
    return app


app = create_app()

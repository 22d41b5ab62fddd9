"""FastAPI dependencies: the settings and the store of the running app.

Both live on ``app.state`` (set by ``create_app`` and its lifespan), so tests get an app
with their own settings and store by calling ``create_app(settings)`` -- no globals to patch.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from shared.settings import Settings
from shared.store import Store


def get_app_settings(request: Request) -> Settings:
    """The settings the app was created with."""
    settings: Settings = request.app.state.settings
    return settings


def get_store(request: Request) -> Store:
    """The store opened by the app's lifespan."""
    store: Store = request.app.state.store
    return store


SettingsDep = Annotated[Settings, Depends(get_app_settings)]
StoreDep = Annotated[Store, Depends(get_store)]

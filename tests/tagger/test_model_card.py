"""The model card says what the model directory holds: for the accurate model, the cut
MPNet base with LoRA, the feature scaler and the base's licence."""

from __future__ import annotations

import json

from shared.settings import REPO_ROOT
from workers.tagger.model_card import encoder_description, encoder_licence, render

DEFAULT = REPO_ROOT / "workers" / "models" / "default"
ACCURATE_DELTA = {
    "base": {"encoder": "accurate", "sha256": "ab" * 32},
    "lora": {"rank": 16, "alpha": 32.0, "targets": ["all"], "train_norms": True},
}


def test_the_accurate_model_card_names_its_cut_base_scaler_and_licence() -> None:
    metadata = json.loads((DEFAULT / "newsevents.json").read_text())
    labels = json.loads((DEFAULT / "labels.json").read_text())
    metadata.update(
        name="newsevents-accurate",
        base_encoder="all-mpnet-base-v2",
        delta=ACCURATE_DELTA,
        encoder_layers=11,
        feature_scaling=True,
    )
    assert "cut to its first 11 layers adapted with LoRA (rank 16" in encoder_description(metadata)
    card = render(metadata, None, None, labels)
    assert "all-mpnet-base-v2 (Apache-2.0)" in card and "all-MiniLM" not in card
    assert "centred and scaled" in card


def test_the_default_model_card_keeps_its_encoder_and_licence() -> None:
    metadata = json.loads((DEFAULT / "newsevents.json").read_text())
    labels = json.loads((DEFAULT / "labels.json").read_text())
    assert "all-MiniLM-L6-v2 (Apache-2.0)" in encoder_licence(metadata)
    card = render(metadata, None, None, labels)
    assert "cut to" not in card and "centred and scaled" not in card
    assert card.splitlines()[0] == f"# {metadata['name']} {metadata['version']}"


def test_a_card_says_when_the_trigger_heads_started_from_prototypes() -> None:
    metadata = json.loads((DEFAULT / "newsevents.json").read_text())
    labels = json.loads((DEFAULT / "labels.json").read_text())
    metadata["training"]["trigger_init"] = False
    assert "prototype classifier" not in render(metadata, None, None, labels)
    metadata["training"]["trigger_init"] = True
    assert "`--trigger-init`" in render(metadata, None, None, labels)

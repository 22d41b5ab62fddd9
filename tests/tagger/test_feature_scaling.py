"""The heads' feature scaler: the identity until fitted, then standardized word states;
trained with ``--feature-scaling`` it is saved, reloaded, and kept in a delta model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file
from tiny_encoders import TINY, tiny_mpnet
from tiny_training import train_arguments, write_tiny_data
from transformers import MPNetConfig, MPNetModel

from services.cli import main
from shared.schemas import Article
from shared.settings import REPO_ROOT
from workers.tagger.encoding import EncodedInput
from workers.tagger.feature_scaling import FeatureScaler, fit_feature_scaler
from workers.tagger.labels import LabelSpace
from workers.tagger.model import collate
from workers.tagger.model_io import DELTA_FILE, WEIGHTS_FILE, build_model
from workers.tagger.tagger import Tagger

SEED_TEXT = (REPO_ROOT / "seeds" / "ukrinform-2025-12-06-peace-talks.txt").read_text("utf-8")
ONTOLOGY = {"Arrest": {"arguments": ["Authorities", "Suspect"]}}


def test_a_scaler_is_the_identity_until_fitted_then_standardizes() -> None:
    scaler = FeatureScaler(3)
    states = torch.tensor([[1.0, 10.0, -2.0], [3.0, 30.0, -2.5], [5.0, 50.0, -3.0]])
    torch.testing.assert_close(scaler(states), states)
    scaler.fit(states)
    scaled = scaler(states)
    torch.testing.assert_close(scaled.mean(0), torch.zeros(3), atol=1e-5, rtol=0)
    # One scale for all dimensions: the spreads keep their proportions, their mean is 1.
    spread = states.std(0)
    torch.testing.assert_close(scaled.std(0), spread / spread.mean(), atol=1e-4, rtol=0)
    with pytest.raises(ValueError, match="at least two"):
        scaler.fit(states[:1])
    with pytest.raises(ValueError, match="do not vary"):
        scaler.fit(torch.ones(4, 3))


def test_fitting_reads_the_word_states_the_heads_read() -> None:
    torch.manual_seed(0)
    encoder = MPNetModel(
        MPNetConfig(vocab_size=60, pad_token_id=1, **TINY), add_pooling_layer=False
    )
    labels = LabelSpace.from_ontology(ONTOLOGY, {"Arrest"})
    model = build_model(encoder, labels, feature_scaling=True).eval()
    inputs = [EncodedInput([0, 7 + i, 9, 11 + i, 2], [0] * 5, [1, 2, 3]) for i in range(20)] + [
        EncodedInput([0, 30, 31, 2], [0] * 4, [1, 2])
    ]
    assert fit_feature_scaler(model, inputs, 1, torch.device("cpu")) == 62
    assert model.scaler is not None
    batch = collate(inputs, 1)
    hidden, _ = model.encode(batch)
    with torch.no_grad():
        words = model.scaler(model.word_states(hidden, batch.word_index))[batch.word_mask]
    torch.testing.assert_close(words.mean(0), torch.zeros(TINY["hidden_size"]), atol=1e-4, rtol=0)
    assert float(words.std(0).mean()) == pytest.approx(1.0, abs=1e-3)


@pytest.mark.slow
@pytest.mark.parametrize("lora", [False, True])
def test_a_scaled_model_saves_reloads_and_extracts(tmp_path: Path, lora: bool) -> None:
    data, news = write_tiny_data(tmp_path)
    encoder = tmp_path / "mpnet"
    tiny_mpnet(encoder)
    output = tmp_path / "model"
    extra = ["--encoder", str(encoder), "--feature-scaling"] + (
        ["--lora-rank", "2"] if lora else []
    )
    assert main(train_arguments(data, news, output, *extra)) == 0

    meta = json.loads((output / "newsevents.json").read_text())
    assert meta["feature_scaling"] is True
    saved = load_file(str(output / (DELTA_FILE if lora else WEIGHTS_FILE)))
    assert {"scaler.shift", "scaler.scale"} <= set(saved)
    assert not torch.equal(saved["scaler.scale"], torch.ones_like(saved["scaler.scale"]))
    tagger = Tagger.load(output, device="cpu")
    scaler = tagger.word_tagger.model.scaler
    assert scaler is not None
    torch.testing.assert_close(scaler.scale.detach(), saved["scaler.scale"].float())
    [result] = tagger.extract([Article(id="seed", text=SEED_TEXT)])
    for event in result.events:
        for span in [event.trigger, *event.arguments]:
            assert SEED_TEXT[span.start : span.end] == span.text


def test_the_default_model_reads_its_states_unscaled(tagger: Tagger) -> None:
    assert tagger.word_tagger.model.scaler is None
    assert tagger.word_tagger.metadata.feature_scaling is False

"""LoRA adapters and the delta model format.

The unit tests check the adapter's arithmetic (it is the wrapped layer at start, merging
keeps the function). The end-to-end test trains a tiny random MPNet for two steps with
``newsevents train --lora-rank 4``, checks that only the trained parameters were saved,
reloads the model from its base folder plus the delta (adapters merged) and compares it with
the model as it was in memory when training saved it.
"""

from __future__ import annotations

import copy
import dataclasses
import json
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file, save_file
from tiny_encoders import TINY, tiny_mpnet
from tiny_training import train_arguments, write_tiny_data
from torch import nn
from transformers import MPNetConfig, MPNetModel

from services.cli import main
from shared.schemas import Article
from shared.settings import REPO_ROOT
from workers.tagger import training
from workers.tagger.geneva import read_sentences
from workers.tagger.inference import WordTagger
from workers.tagger.lora import LoRAConfig, LoRALinear, add_lora, has_lora, merge_lora
from workers.tagger.model import EventExtractionModel
from workers.tagger.model_io import (
    DELTA_FILE,
    WEIGHTS_FILE,
    ModelMetadata,
    keep_layers,
    save_model,
)
from workers.tagger.tagger import Tagger

SEED_TEXT = (REPO_ROOT / "seeds" / "ukrinform-2025-12-06-peace-talks.txt").read_text("utf-8")


def trained_adapter(rank: int = 4) -> LoRALinear:
    torch.manual_seed(0)
    layer = LoRALinear(nn.Linear(12, 7), rank=rank, alpha=8.0)
    with torch.no_grad():
        layer.lora_b.normal_()  # as if trained: B is no longer zero
    return layer


def test_an_adapter_starts_as_the_layer_it_wraps() -> None:
    torch.manual_seed(0)
    base = nn.Linear(12, 7)
    x = torch.randn(5, 3, 12)
    expected = base(x)
    layer = LoRALinear(base, rank=4, alpha=8.0)
    assert torch.equal(layer(x), expected)
    assert not base.weight.requires_grad and not base.bias.requires_grad
    assert layer.lora_a.requires_grad and layer.lora_b.requires_grad
    assert layer.weight is base.weight and layer.out_features == 7


def test_merging_keeps_the_function() -> None:
    layer = trained_adapter()
    x = torch.randn(5, 12)
    unmerged = layer(x)
    assert not torch.allclose(unmerged, layer.base(x), atol=1e-3)  # the adapter matters
    merged = layer.merged()
    assert type(merged) is nn.Linear
    torch.testing.assert_close(merged(x), unmerged, rtol=1e-5, atol=1e-5)


def test_only_the_adapters_learn_from_the_start() -> None:
    layer = trained_adapter()
    layer(torch.randn(4, 12)).sum().backward()
    assert layer.base.weight.grad is None
    assert layer.lora_a.grad is not None and layer.lora_b.grad is not None


class Block(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.q = nn.Linear(8, 8)
        self.v = nn.Linear(8, 8)
        self.norm = nn.LayerNorm(8)
        self.embed = nn.Embedding(10, 8)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        return self.norm(self.v(self.q(self.embed(ids))))


def test_add_lora_wraps_the_targets_and_freezes_the_rest() -> None:
    block = Block()
    assert add_lora(block, LoRAConfig(rank=2, targets=("q",))) == ["q"]
    assert isinstance(block.q, LoRALinear) and type(block.v) is nn.Linear
    trainable = {name for name, p in block.named_parameters() if p.requires_grad}
    assert trainable == {"q.lora_a", "q.lora_b", "norm.weight", "norm.bias"}
    assert has_lora(block)


def test_merge_lora_leaves_plain_linear_layers() -> None:
    block = Block()
    add_lora(block, LoRAConfig(rank=2, train_norms=False))
    with torch.no_grad():
        for module in block.modules():
            if isinstance(module, LoRALinear):
                module.lora_b.normal_()
    ids = torch.tensor([[1, 2, 3]])
    before = block(ids)
    assert merge_lora(block) == 2
    assert not has_lora(block) and type(block.q) is nn.Linear
    torch.testing.assert_close(block(ids), before, rtol=1e-5, atol=1e-5)


def test_bad_settings_and_targets_are_refused() -> None:
    with pytest.raises(ValueError, match="rank"):
        LoRAConfig(rank=0)
    with pytest.raises(ValueError, match="match no linear layer"):
        add_lora(Block(), LoRAConfig(rank=2, targets=("query",)))


def test_saving_a_lora_model_needs_its_base_named(tmp_path: Path) -> None:
    encoder = MPNetModel(MPNetConfig(vocab_size=100, **TINY), add_pooling_layer=False)
    model = EventExtractionModel(encoder, n_trigger_labels=3, n_argument_labels=3)
    add_lora(model.encoder, LoRAConfig(rank=2))
    with pytest.raises(ValueError, match=r"metadata\.delta"):
        save_model(tmp_path, model, None, None, ModelMetadata())  # type: ignore[arg-type]


@pytest.mark.slow
def test_a_lora_model_saves_a_delta_and_reloads_from_its_base(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data, news = write_tiny_data(tmp_path)
    encoder = tmp_path / "mpnet"
    tiny_mpnet(encoder)
    output = tmp_path / "model"
    saved: list[EventExtractionModel] = []
    real_save = training.save_model

    def keep_a_copy(directory: Path, model: EventExtractionModel, *rest: object) -> None:
        saved.append(copy.deepcopy(model).eval())  # the model as training saved it
        real_save(directory, model, *rest)  # type: ignore[arg-type]

    monkeypatch.setattr(training, "save_model", keep_a_copy)
    arguments = ["--encoder", str(encoder), "--lora-rank", "4", "--lora-lr", "0.05"]
    assert main(train_arguments(data, news, output, *arguments)) == 0

    assert not (output / WEIGHTS_FILE).exists()
    delta = load_file(str(output / DELTA_FILE))
    encoder_keys = [k for k in delta if k.startswith("encoder.")]
    assert encoder_keys and all(
        k.endswith((".lora_a", ".lora_b")) or "LayerNorm" in k for k in encoder_keys
    ), encoder_keys
    assert not [k for k in delta if ".base." in k or "word_embeddings" in k]
    assert any(k.startswith("trigger_head.") for k in delta)
    assert any(bool(v.abs().sum()) for k, v in delta.items() if k.endswith(".lora_b"))
    meta = json.loads((output / "newsevents.json").read_text())
    assert meta["delta"]["lora"]["rank"] == 4
    assert meta["delta"]["base"]["encoder"] == str(encoder.resolve())
    assert len(meta["delta"]["base"]["sha256"]) == 64

    loaded = Tagger.load(output, device="cpu")
    model = loaded.word_tagger.model
    assert not has_lora(model)  # adapters merged: a plain encoder
    trained = WordTagger(
        saved[-1], loaded.word_tagger.encoder, loaded.word_tagger.labels,
        loaded.word_tagger.metadata, torch.device("cpu"),
    )  # fmt: skip
    assert has_lora(trained.model)
    sentences = read_sentences(data / "geneva" / "val.jsonl")
    pieces = [loaded.word_tagger.encoder.word_pieces(s.tokens) for s in sentences]
    for ours, theirs in zip(
        loaded.word_tagger.trigger_probabilities(pieces),
        trained.trigger_probabilities(pieces),
        strict=True,
    ):
        torch.testing.assert_close(ours, theirs, rtol=0, atol=5e-3)  # fp16 delta
    article = Article(id="seed", text=SEED_TEXT)
    [from_disk] = loaded.extract([article])
    [in_memory] = Tagger(trained).extract([article])
    assert [e.trigger for e in from_disk.events] == [e.trigger for e in in_memory.events]

    full = tmp_path / "full"  # the same model saved whole, as a full model directory
    as_full = dataclasses.replace(loaded.word_tagger.metadata, delta={})
    save_model(
        full, model, loaded.word_tagger.encoder.tokenizer, loaded.word_tagger.labels, as_full
    )
    delta_size = (output / DELTA_FILE).stat().st_size
    assert delta_size * 10 < (full / WEIGHTS_FILE).stat().st_size
    whole = Tagger.load(full, device="cpu").word_tagger.trigger_probabilities(pieces)
    for ours, theirs in zip(whole, loaded.word_tagger.trigger_probabilities(pieces), strict=True):
        torch.testing.assert_close(ours, theirs, rtol=0, atol=5e-3)  # fp16 base weights


def train_tiny_mpnet(tmp_path: Path, *arguments: str) -> tuple[Path, Path]:
    """(encoder folder, model folder) after ``newsevents train`` on a tiny random MPNet."""
    data, news = write_tiny_data(tmp_path)
    encoder = tmp_path / "mpnet"
    tiny_mpnet(encoder)
    output = tmp_path / "model"
    assert main(train_arguments(data, news, output, "--encoder", str(encoder), *arguments)) == 0
    return encoder, output


@pytest.mark.slow
def test_a_delta_refuses_other_base_weights(tmp_path: Path) -> None:
    encoder, output = train_tiny_mpnet(tmp_path, "--lora-rank", "2")
    weights = encoder / "model.safetensors"
    state = load_file(str(weights))
    first = next(iter(state))
    state[first] = state[first] + 1  # the base changed after training
    save_file(state, str(weights), metadata={"format": "pt"})
    with pytest.raises(ValueError, match="other base weights"):
        Tagger.load(output, device="cpu")


@pytest.mark.slow
def test_lora_trains_under_bf16_autocast_with_other_batch_sizes(tmp_path: Path) -> None:
    arguments = ["--lora-rank", "2", "--lora-targets", "q,v", "--bf16"]
    _, output = train_tiny_mpnet(tmp_path, *arguments, "--batch-pieces", "512", "--max-batch", "8")
    meta = json.loads((output / "newsevents.json").read_text())
    assert meta["training"]["bf16"] and meta["training"]["batch_pieces"] == 512
    assert meta["delta"]["lora"]["targets"] == ["q", "v"]
    delta = load_file(str(output / DELTA_FILE))
    adapted = {k.rsplit(".", 2)[-2] for k in delta if k.endswith(".lora_a")}
    assert adapted == {"q", "v"}
    assert not has_lora(Tagger.load(output, device="cpu").word_tagger.model)


@pytest.mark.slow
def test_a_delta_on_a_cut_base_reloads_cut(tmp_path: Path) -> None:
    """``--encoder-layers 1``: the base loses its top layer in training and again when the
    delta is rebuilt, so the delta fits and the model extracts with exact offsets."""
    _, output = train_tiny_mpnet(tmp_path, "--lora-rank", "2", "--encoder-layers", "1")
    meta = json.loads((output / "newsevents.json").read_text())
    assert meta["encoder_layers"] == 1
    delta = load_file(str(output / DELTA_FILE))
    assert {k.split(".")[3] for k in delta if k.startswith("encoder.encoder.layer.")} == {"0"}
    tagger = Tagger.load(output, device="cpu")
    assert len(tagger.word_tagger.model.encoder.encoder.layer) == 1
    [result] = tagger.extract([Article(id="seed", text=SEED_TEXT)])
    for event in result.events:
        for span in [event.trigger, *event.arguments]:
            assert SEED_TEXT[span.start : span.end] == span.text


def test_keep_layers_cuts_an_encoder_and_refuses_impossible_counts() -> None:
    encoder = MPNetModel(MPNetConfig(vocab_size=40, **TINY))
    keep_layers(encoder, 0)
    assert len(encoder.encoder.layer) == 2
    for bad in (3, -1):
        with pytest.raises(ValueError, match="encoder_layers must be 1 to 2"):
            keep_layers(encoder, bad)
    keep_layers(encoder, 1)
    assert len(encoder.encoder.layer) == 1 == encoder.config.num_hidden_layers
    ids = torch.tensor([[0, 5, 6, 2]])
    assert encoder(input_ids=ids).last_hidden_state.shape == (1, 4, TINY["hidden_size"])

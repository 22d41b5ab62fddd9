"""Prototype initialisation of the trigger heads: the closed-form classifier it sets, the
labels it leaves out, and ``newsevents train --trigger-init`` end to end."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import torch
from tiny_encoders import TINY
from tiny_training import train_arguments, write_tiny_data
from torch import nn
from transformers import BertConfig, BertModel

from services.cli import main
from workers.tagger.encoding import EncodedInput
from workers.tagger.examples import IGNORE, NOT_NEWS_TYPE, Example
from workers.tagger.head_init import SHARPNESS_GRID, fit_prototype_head, init_trigger_heads
from workers.tagger.labels import LabelSpace
from workers.tagger.model_io import build_model
from workers.tagger.tagger import Tagger


def _clusters(per_label: int = 50) -> tuple[torch.Tensor, torch.Tensor]:
    """Word states around three well-separated centres (labels 0, 1, 2; label 3 unseen)."""
    generator = torch.Generator().manual_seed(0)
    centres = torch.tensor([[4.0, 0.0, 0.0], [0.0, 4.0, 0.0], [0.0, 0.0, 4.0]])
    labels = torch.arange(3).repeat_interleave(per_label)
    states = centres[labels] + 0.5 * torch.randn(len(labels), 3, generator=generator)
    return states, labels


def test_the_fitted_head_is_the_prototype_classifier_with_priors() -> None:
    states, labels = _clusters()
    head = nn.Linear(3, 4)

    fit = fit_prototype_head(head, states, labels)

    assert fit.words == 150 and fit.labels_seen == 3
    means = torch.stack([states[labels == k].mean(0) for k in range(3)] + [states.mean(0)])
    counts = torch.tensor([50.0, 50.0, 50.0, 0.5])
    expected = fit.sharpness * (states @ means.T - (means**2).sum(1) / 2) + (counts / 150).log()
    with torch.no_grad():
        torch.testing.assert_close(head(states), expected, atol=1e-3, rtol=1e-4)
        assert bool((head(states).argmax(-1) == labels).float().mean() > 0.95)
    spread = float(((states - means[labels]) ** 2).sum(1).mean())
    assert any(math.isclose(fit.sharpness, s / spread) for s in SHARPNESS_GRID)
    assert fit.loss < 0.2 < math.log(4)


def test_the_chosen_sharpness_has_the_lowest_loss_on_the_grid() -> None:
    states, labels = _clusters()
    fit = fit_prototype_head(nn.Linear(3, 4), states, labels)
    means = torch.stack([states[labels == k].mean(0) for k in range(3)] + [states.mean(0)])
    scores = states @ means.T - (means**2).sum(1) / 2
    priors = torch.tensor([50.0, 50.0, 50.0, 0.5]).div(150).log()
    spread = float(((states - means[labels]) ** 2).sum(1).mean())
    losses = [
        float(nn.functional.cross_entropy(s / spread * scores + priors, labels))
        for s in SHARPNESS_GRID
    ]
    assert fit.loss == pytest.approx(min(losses), abs=1e-5)
    assert fit.sharpness == pytest.approx(SHARPNESS_GRID[losses.index(min(losses))] / spread)


def test_unlabelled_words_are_left_out() -> None:
    states, labels = _clusters()
    noisy = torch.cat([states, 100 * torch.ones(10, 3)])
    marked = torch.cat([labels, torch.tensor([IGNORE] * 5 + [NOT_NEWS_TYPE] * 5)])
    clean_head, noisy_head = nn.Linear(3, 4), nn.Linear(3, 4)
    fit_prototype_head(clean_head, states, labels)
    fit = fit_prototype_head(noisy_head, noisy, marked)
    assert fit.words == 150
    torch.testing.assert_close(noisy_head.weight, clean_head.weight)
    torch.testing.assert_close(noisy_head.bias, clean_head.bias)


def test_too_few_words_or_no_spread_is_refused() -> None:
    with pytest.raises(ValueError, match="at least two"):
        fit_prototype_head(nn.Linear(3, 2), torch.ones(3, 3), torch.tensor([0, IGNORE, IGNORE]))
    with pytest.raises(ValueError, match="do not vary"):
        fit_prototype_head(nn.Linear(3, 2), torch.ones(4, 3), torch.tensor([0, 0, 1, 1]))


def test_both_trigger_heads_are_fitted_from_the_examples_labels() -> None:
    torch.manual_seed(0)
    encoder = BertModel(BertConfig(vocab_size=60, **TINY), add_pooling_layer=False)
    labels = LabelSpace.from_ontology(
        {"Arrest": {"arguments": ["Suspect"]}}, {"Arrest"}, {"ARREST": ["arrest"]}
    )
    model = build_model(encoder, labels).eval()
    assert model.plover_trigger_head is not None
    arrest, outside = labels.trigger_labels.index("B-Arrest"), labels.trigger_labels.index("O")
    code = labels.plover_trigger_labels.index("B-ARREST")
    examples = [
        Example(
            EncodedInput([2, 7 + i % 5, 9, 11, 3], [0] * 5, [1, 2, 3]),
            [outside, arrest, outside],
            plover_labels=[outside, code, outside] if i % 2 else None,
        )
        for i in range(12)
    ]
    before = model.trigger_head.weight.detach().clone()

    fits = init_trigger_heads(model, examples, 0, torch.device("cpu"))

    assert fits["trigger"].words == 36 and fits["trigger"].labels_seen == 2
    assert fits["plover"].words == 18 and fits["plover"].labels_seen == 2
    assert not torch.equal(model.trigger_head.weight, before)
    with pytest.raises(ValueError, match="needs trigger examples"):
        init_trigger_heads(model, [], 0, torch.device("cpu"))


@pytest.mark.slow
def test_train_with_trigger_init_records_it_and_extracts(tmp_path: Path) -> None:
    data_dir, news = write_tiny_data(tmp_path)
    output = tmp_path / "model"

    assert main(train_arguments(data_dir, news, output, "--trigger-init")) == 0

    training = json.loads((output / "newsevents.json").read_text())["training"]
    assert training["trigger_init"] is True
    Tagger.load(output, device="cpu").extract([])

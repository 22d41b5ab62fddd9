"""The running weight average: its arithmetic, the swap in and out, frozen parameters left out."""

from __future__ import annotations

import pytest
import torch

from workers.tagger.weight_average import WARMUP_STEPS, WeightAverage


def _model() -> torch.nn.Module:
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.Linear(2, 1))
    model[1].bias.requires_grad_(False)  # frozen: not averaged, never touched
    return model


def test_the_average_follows_the_exponential_formula() -> None:
    model = _model()
    average = WeightAverage(model, decay=0.9)
    weight = model[0].weight
    expected = weight.detach().clone()
    for step in range(30):
        with torch.no_grad():
            weight.add_(1.0)
        decay = min(0.9, (1 + step) / (WARMUP_STEPS + step))
        expected = decay * expected + (1 - decay) * weight.detach()
        average.update(model)
    assert average.updates == 30
    torch.testing.assert_close(average.shadow[average.names.index("0.weight")], expected)


def test_applied_swaps_the_average_in_and_restores_the_trained_weights() -> None:
    model = _model()
    average = WeightAverage(model, decay=0.5)
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    with torch.no_grad():
        for p in model.parameters():
            if p.requires_grad:
                p.add_(2.0)
    trained = {n: p.detach().clone() for n, p in model.named_parameters()}
    average.update(model)  # first update: decay 1/10, so 0.9 of the way to the new weights
    with average.applied(model):
        inside = dict(model.named_parameters())
        torch.testing.assert_close(inside["0.weight"], before["0.weight"] + 1.8)
        torch.testing.assert_close(inside["1.bias"], before["1.bias"])  # frozen
    for name, parameter in model.named_parameters():
        torch.testing.assert_close(parameter, trained[name])


def test_weights_are_restored_when_the_block_fails() -> None:
    model = _model()
    average = WeightAverage(model, decay=0.5)
    with torch.no_grad():
        model[0].weight.mul_(3.0)
    trained = model[0].weight.detach().clone()
    with pytest.raises(RuntimeError), average.applied(model):
        raise RuntimeError("evaluation failed")
    torch.testing.assert_close(model[0].weight, trained)


@pytest.mark.parametrize("decay", [0.0, 1.0, -0.5, 1.5])
def test_a_decay_outside_zero_and_one_is_refused(decay: float) -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        WeightAverage(_model(), decay)

"""An exponential moving average of the trained weights, for evaluating and saving.

Fine-tuning on a few thousand sentences ends each epoch at a point the last batches
pushed around; the average of the weights over the last thousand or so steps sits in the
middle of that wander and often scores better on unseen sentences (Polyak averaging, the
"EMA" of many fine-tuning recipes). Training keeps a float32 shadow of every trained
parameter, blends each step's weights into it, and evaluates (and may save) the model
with the shadow swapped in (``newsevents train --weight-average DECAY``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch

#: The first steps average with a smaller decay so that the shadow does not keep the
#: random heads of step 0 for thousands of steps: ``min(decay, (1 + n) / (10 + n))``.
WARMUP_STEPS = 10


class WeightAverage:
    """The running average of ``model``'s trained parameters (those with gradients)."""

    def __init__(self, model: torch.nn.Module, decay: float) -> None:
        if not 0.0 < decay < 1.0:
            raise ValueError(f"weight average decay must be between 0 and 1, not {decay}")
        self.decay = decay
        self.updates = 0
        self.names = [n for n, p in model.named_parameters() if p.requires_grad]
        self.shadow = [p.detach().float().clone() for p in self._parameters(model)]

    def _parameters(self, model: torch.nn.Module) -> list[torch.nn.Parameter]:
        by_name = dict(model.named_parameters())
        return [by_name[name] for name in self.names]

    def current_decay(self) -> float:
        """The decay of the next update (smaller for the first steps)."""
        n = self.updates
        return min(self.decay, (1 + n) / (WARMUP_STEPS + n))

    @torch.no_grad()
    def update(self, model: torch.nn.Module) -> None:
        """Blend the model's weights after an optimizer step into the average."""
        weight = 1.0 - self.current_decay()
        current = [p.detach().float() for p in self._parameters(model)]
        torch._foreach_lerp_(self.shadow, current, weight)
        self.updates += 1

    @contextmanager
    def applied(self, model: torch.nn.Module) -> Iterator[None]:
        """The averaged weights in ``model`` for the block, its own ones restored after."""
        parameters = self._parameters(model)
        with torch.no_grad():
            kept = [p.detach().clone() for p in parameters]
            for parameter, average in zip(parameters, self.shadow, strict=True):
                parameter.copy_(average.to(parameter.dtype))
        try:
            yield
        finally:
            with torch.no_grad():
                for parameter, own in zip(parameters, kept, strict=True):
                    parameter.copy_(own)

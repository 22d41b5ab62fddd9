"""Starting the trigger heads as a nearest-prototype classifier instead of at random.

A randomly initialised trigger head gives every one of a few hundred BIO labels about the
same probability at step 0, so the first epoch's gradients mostly teach the head what the
encoder already separates, and push the encoder around while doing it (the "feature
distortion" of fine-tuning from a random head; Kumar et al. 2022, "Fine-Tuning can Distort
Pretrained Features", whose remedy is to fit the head first). Rare types, of which GENEVA
has many, see only a handful of updates before training ends.

``init_trigger_heads`` fits the heads in closed form before the first step: each label's
prototype is the mean of the word states (as the heads read them) of its training words,
and the head scores a word by its distance to each prototype, as a Gaussian classifier
with one shared spread and the labels' training frequencies as priors:

    logit_l(x) = s * (x . m_l - |m_l|^2 / 2) + log p_l

The sharpness ``s`` is the value on a grid that gives the lowest cross-entropy on those
same words, so the starting head is calibrated rather than overconfident. A label with no
training word keeps the overall mean as its prototype and a prior of half a word. The
PLOVER-category head, where the model has one, is fitted the same way from its own labels
(words a sentence does not annotate for PLOVER are left out).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import nn

from workers.tagger.examples import Example
from workers.tagger.model import EventExtractionModel, collate

#: How many trigger examples the prototypes are read from: enough to see most rare types
#: (the default model's training set has about 6,000) at a bounded cost for a base encoder.
MAX_INPUTS = 8192
#: Sharpness values tried, as multiples of 1 / (mean squared distance to the prototype).
SHARPNESS_GRID = tuple(2.0**k for k in range(-6, 5))


@dataclass(frozen=True)
class HeadFit:
    """What fitting one head found: words read, labels seen, the sharpness chosen and the
    cross-entropy of the fitted head on those words (against a uniform head's log(labels))."""

    words: int
    labels_seen: int
    sharpness: float
    loss: float

    def describe(self, name: str, labels: int) -> str:
        return (
            f"{name} head fitted on {self.words} words: {self.labels_seen} of {labels} labels "
            f"seen, sharpness {self.sharpness:.3g}, loss {self.loss:.3f} "
            f"(uniform {math.log(labels):.3f})"
        )


@torch.no_grad()
def head_word_states(
    model: EventExtractionModel, examples: Sequence[Example], pad_id: int, device: torch.device
) -> torch.Tensor:
    """The word states the trigger heads read (after the feature scaler, without dropout)
    of ``examples``, their words concatenated in order: (words, hidden), float32."""
    was_training = model.training
    model.eval()
    words: list[torch.Tensor] = []
    for first in range(0, len(examples), 32):
        batch = collate([e.input for e in examples[first : first + 32]], pad_id).to(device)
        hidden, _ = model.encode(batch)
        states = model.word_states(model._for_heads(hidden), batch.word_index)
        words.append(states[batch.word_mask].float().cpu())
    model.train(was_training)
    return torch.cat(words)


@torch.no_grad()
def fit_prototype_head(head: nn.Linear, states: torch.Tensor, labels: torch.Tensor) -> HeadFit:
    """Set ``head``'s weight and bias to the prototype classifier of ``states`` (words x
    hidden) labelled ``labels`` (words; negative: not labelled, left out)."""
    keep = labels >= 0
    states, labels = states[keep], labels[keep]
    n_labels = head.out_features
    if states.size(0) < 2:
        raise ValueError("fitting a trigger head needs at least two labelled words")
    counts = torch.bincount(labels, minlength=n_labels).float()
    sums = torch.zeros(n_labels, states.size(1)).index_add_(0, labels, states)
    means = states.mean(0).expand(n_labels, -1).clone()
    seen = counts > 0
    means[seen] = sums[seen] / counts[seen].unsqueeze(1)
    priors = torch.where(seen, counts, torch.full_like(counts, 0.5)).log() - math.log(
        float(counts.sum())
    )
    spread = float(((states - means[labels]) ** 2).sum(1).mean())
    if not spread > 0:
        raise ValueError("the word states do not vary around their labels' means")
    scores = states @ means.T - (means**2).sum(1) / 2  # (words, labels)

    def loss(sharpness: float) -> float:
        logits = sharpness * scores + priors
        return float(nn.functional.cross_entropy(logits, labels))

    sharpness, best = min(
        ((s / spread, loss(s / spread)) for s in SHARPNESS_GRID), key=lambda p: p[1]
    )
    head.weight.copy_((sharpness * means).to(head.weight))
    head.bias.copy_((priors - sharpness * (means**2).sum(1) / 2).to(head.bias))
    return HeadFit(int(states.size(0)), int(seen.sum()), sharpness, best)


def _word_labels(examples: Sequence[Example], plover: bool) -> torch.Tensor:
    """Each example's per-word labels, concatenated in the order ``head_word_states`` reads
    the words (an example without a PLOVER layer gives -1 for each word)."""
    rows: list[int] = []
    for e in examples:
        words = len(e.input.word_index)
        sequence = e.plover_labels if plover else e.labels
        rows += list(sequence[:words]) if sequence else [-1] * words
    return torch.tensor(rows, dtype=torch.long)


def init_trigger_heads(
    model: EventExtractionModel,
    examples: Sequence[Example],
    pad_id: int,
    device: torch.device,
) -> dict[str, HeadFit]:
    """Fit the trigger head (and the PLOVER-category head, if any) to prototypes of the
    trigger ``examples`` (the first ``MAX_INPUTS``); returns each head's fit by name."""
    chosen = list(examples[:MAX_INPUTS])
    if not chosen:
        raise ValueError("initialising the trigger heads needs trigger examples")
    states = head_word_states(model, chosen, pad_id, device)
    fits = {"trigger": fit_prototype_head(model.trigger_head, states, _word_labels(chosen, False))}
    if model.plover_trigger_head is not None:
        plover = _word_labels(chosen, True)
        if int((plover >= 0).sum()) >= 2:
            fits["plover"] = fit_prototype_head(model.plover_trigger_head, states, plover)
    return fits

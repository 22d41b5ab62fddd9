"""Turning per-word label decisions into labelled spans (BIO decoding).

Pure functions over plain lists so they are easy to test: the model code hands over the
chosen label index of each word and that word's confidence; this module groups words into
spans and drops spans whose confidence falls below a threshold.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import torch

from workers.tagger.labels import OUTSIDE


@dataclass(frozen=True)
class LabelledSpan:
    """Words ``start:end`` (end exclusive) carrying ``name`` with a mean confidence."""

    start: int
    end: int
    name: str
    confidence: float


def decode_bio(
    label_ids: Sequence[int],
    confidences: Sequence[float],
    labels: Sequence[str],
    threshold: float = 0.0,
) -> list[LabelledSpan]:
    """Spans from BIO labels: ``B-x`` opens a span, ``I-x`` continues a span of the same name.

    An ``I-x`` that does not continue a span of name ``x`` opens one (the model sometimes
    skips the ``B``); that is the usual lenient reading and loses nothing.
    """
    spans: list[LabelledSpan] = []
    name: str | None = None
    start = 0
    scores: list[float] = []

    def close(end: int) -> None:
        if name is not None:
            confidence = sum(scores) / len(scores)
            if confidence >= threshold:
                spans.append(LabelledSpan(start, end, name, confidence))

    for position, (label_id, confidence) in enumerate(zip(label_ids, confidences, strict=True)):
        label = labels[label_id]
        if label == OUTSIDE:
            close(position)
            name = None
            continue
        prefix, current = label[:1], label[2:]
        if prefix == "I" and name == current:
            scores.append(confidence)
            continue
        close(position)
        name, start, scores = current, position, [confidence]
    close(len(label_ids))
    return spans


@lru_cache(maxsize=512)
def allowed_transitions(labels: tuple[str, ...]) -> torch.Tensor:
    """(labels x labels) additive scores: 0 where ``prev -> cur`` is valid BIO, else -inf.

    ``I-x`` may only follow ``B-x`` or ``I-x``; every other label may follow anything.
    """
    size = len(labels)
    table = torch.zeros(size, size)
    for cur, label in enumerate(labels):
        if label.startswith("I-"):
            name = label[2:]
            for prev, before in enumerate(labels):
                if before[2:] != name or before == OUTSIDE:
                    table[prev, cur] = float("-inf")
    return table


@lru_cache(maxsize=512)
def bio_partner_ids(labels: tuple[str, ...]) -> tuple[list[int], list[int]]:
    """For each label id, the ids of ``B-name`` and ``I-name`` of its name (both the id of
    ``O`` for ``O``), looked up by name so that no code depends on the order of the labels."""
    index = {label: position for position, label in enumerate(labels)}
    outside = index[OUTSIDE]
    begin, inside = [], []
    for label in labels:
        name = label[2:]
        begin.append(outside if label == OUTSIDE else index[f"B-{name}"])
        inside.append(outside if label == OUTSIDE else index[f"I-{name}"])
    return begin, inside


@lru_cache(maxsize=512)
def _viterbi_tables(labels: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """``allowed_transitions`` as a numpy array, and which labels may not open a sentence."""
    transitions = allowed_transitions(labels).numpy().astype(np.float32)
    starts_inside = np.array([label.startswith("I-") for label in labels])
    return transitions, starts_inside


def best_bio_path(log_probs: torch.Tensor, labels: Sequence[str]) -> list[int]:
    """The most probable label sequence that is valid BIO (Viterbi over ``log_probs``).

    Per-word argmax can produce ``B-Message I-Speaker``, which reads as two broken spans;
    the constrained path picks the best *consistent* labelling instead. The loop runs on
    numpy arrays: per-word torch calls cost ten times more than the arithmetic.
    """
    words = log_probs.size(0)
    if words == 0:
        return []
    transitions, starts_inside = _viterbi_tables(tuple(labels))
    scores = log_probs.detach().to("cpu", torch.float32).numpy()
    columns = np.arange(len(labels))
    score = np.where(starts_inside, np.float32(-np.inf), scores[0])
    back = np.empty((words - 1, len(labels)), dtype=np.int64)
    for word in range(1, words):
        candidates = score[:, None] + transitions  # prev x cur
        previous = candidates.argmax(0)
        score = candidates[previous, columns] + scores[word]
        back[word - 1] = previous
    path = [int(score.argmax())]
    for previous in back[::-1]:
        path.append(int(previous[path[-1]]))
    return path[::-1]

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
            if name is not None:
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
def bio_partner_arrays(labels: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``bio_partner_ids`` as numpy arrays, and which labels are ``I-`` labels."""
    begin, inside = bio_partner_ids(labels)
    is_inside = np.array([label.startswith("I-") for label in labels])
    return np.array(begin), np.array(inside), is_inside


def best_bio_paths(
    log_probs: Sequence[torch.Tensor | np.ndarray], labels: Sequence[str]
) -> list[list[int]]:
    """The most probable label sequence that is valid BIO (Viterbi) of each (words x labels)
    matrix of log-probabilities, all sentences in one loop over word positions.

    Per-word argmax can produce ``B-Message I-Speaker``, which reads as two broken spans;
    the constrained path picks the best *consistent* labelling instead. The BIO constraint
    (``I-x`` only after ``B-x`` or ``I-x``, no sentence opens with ``I-x``) makes each step
    O(labels) rather than O(labels^2): ``B-x`` and ``O`` continue the best label so far,
    ``I-x`` the better of ``B-x`` and ``I-x``. Ties go to the lower label index, as a full
    argmax over a (labels x labels) transition table would. A label whose column is
    ``-inf`` (say, a role the event type does not allow) is never chosen, so masking columns
    equals decoding over the allowed labels only. A sentence whose per-word argmax is
    already valid BIO, with one best label per word, takes that path without the search.
    """
    return [path or [] for path in _bio_paths(log_probs, labels, search=True)]


def quick_bio_paths(
    log_probs: Sequence[torch.Tensor | np.ndarray], labels: Sequence[str]
) -> list[list[int] | None]:
    """``best_bio_paths`` where a matrix's per-word argmax is already the best valid path,
    None where the Viterbi search must decide: callers with many small label sets (one per
    event type) gather those and search them together (see ``inference``)."""
    return _bio_paths(log_probs, labels, search=False)


def _bio_paths(
    log_probs: Sequence[torch.Tensor | np.ndarray], labels: Sequence[str], search: bool
) -> list[list[int] | None]:
    lengths = np.array([len(m) for m in log_probs], dtype=np.int64)
    width = int(lengths.max()) if len(lengths) else 0
    if width == 0:
        return [[] for _ in log_probs]
    begin, inside, is_inside = bio_partner_arrays(tuple(labels))
    count = len(log_probs)
    scores = np.full((count, width, len(labels)), -np.inf, dtype=np.float32)
    for row, matrix in enumerate(log_probs):
        if len(matrix):
            values = matrix.detach().to("cpu", torch.float32).numpy() if isinstance(
                matrix, torch.Tensor) else np.asarray(matrix, dtype=np.float32)  # fmt: skip
            scores[row, : len(matrix)] = values
    paths = _valid_argmax_paths(scores, lengths, begin, inside, is_inside)
    rest = [row for row in range(count) if paths[row] is None]
    if rest and search:
        found = _viterbi(scores[rest], lengths[rest], begin, inside, is_inside)
        for row, path in zip(rest, found, strict=True):
            paths[row] = path
    return paths


def _valid_argmax_paths(
    scores: np.ndarray,
    lengths: np.ndarray,
    begin: np.ndarray,
    inside: np.ndarray,
    is_inside: np.ndarray,
) -> list[list[int] | None]:
    """Each sentence's per-word argmax, where it is already the best valid path: every word
    has a single best label and the labels read as valid BIO. (No valid path scores more
    than the per-word maxima, and any other path loses at some word.) None where the
    Viterbi search must decide. Most sentences are like this, so most skip the search."""
    best = scores.argmax(2)
    top = np.take_along_axis(scores, best[:, :, None], 2)
    single = (scores == top).sum(2) == 1
    present = np.arange(scores.shape[1])[None, :] < lengths[:, None]
    ok = single | ~present
    ok[:, 0] &= ~is_inside[best[:, 0]]
    previous, current = best[:, :-1], best[:, 1:]
    continues = (previous == begin[current]) | (previous == inside[current])
    ok[:, 1:] &= ~is_inside[current] | continues | ~present[:, 1:]
    good = ok.all(1)
    return [best[row, : lengths[row]].tolist() if good[row] else None for row in range(len(scores))]


def _viterbi(
    scores: np.ndarray,
    lengths: np.ndarray,
    begin: np.ndarray,
    inside: np.ndarray,
    is_inside: np.ndarray,
) -> list[list[int]]:
    """The constrained Viterbi search over padded ``scores`` (sentences x words x labels)."""
    count, width = len(scores), int(lengths.max())
    rows = np.arange(count)
    score = np.where(is_inside, np.float32(-np.inf), scores[:, 0])
    back = np.zeros((width, count, len(is_inside)), dtype=np.int64)
    for word in range(1, width):
        best_previous = score.argmax(1)
        best = score[rows, best_previous]
        via_begin, via_inside = score[:, begin], score[:, inside]
        take_inside = via_inside > via_begin  # a tie goes to the lower index: B-x before I-x
        if not (begin < inside).all():
            take_inside |= (via_inside == via_begin) & (inside < begin)
        continued = np.where(take_inside, via_inside, via_begin)
        step = np.where(is_inside, continued, best[:, None]) + scores[:, word]
        previous = np.where(is_inside, np.where(take_inside, inside, begin), best_previous[:, None])
        active = (lengths > word)[:, None]
        score = np.where(active, step, score)
        back[word] = previous
    current = score.argmax(1)
    paths = np.zeros((count, width), dtype=np.int64)
    for word in range(width - 1, -1, -1):
        present = lengths > word
        paths[present, word] = current[present]
        if word:
            current = np.where(present, back[word][rows, current], current)
    return [paths[row, : lengths[row]].tolist() for row in range(count)]

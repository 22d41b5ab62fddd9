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


def best_bio_paths_flat(
    flat: np.ndarray, lengths: np.ndarray, labels: Sequence[str]
) -> list[list[int]]:
    """``best_bio_paths`` of matrices given as one (words x labels) array of
    log-probabilities, matrix ``i``'s ``lengths[i]`` words after those of the ones before:
    callers that already hold such an array skip building one matrix per sentence."""
    return [path or [] for path in _bio_paths_flat(flat, lengths, labels, search=True)]


def _bio_paths(
    log_probs: Sequence[torch.Tensor | np.ndarray], labels: Sequence[str], search: bool
) -> list[list[int] | None]:
    lengths = np.array([len(m) for m in log_probs], dtype=np.int64)
    if not len(lengths) or not lengths.max():
        return [[] for _ in log_probs]
    flat = np.concatenate([_as_array(matrix, len(labels)) for matrix in log_probs])
    return _bio_paths_flat(flat, lengths, labels, search)


def _bio_paths_flat(
    flat: np.ndarray, lengths: np.ndarray, labels: Sequence[str], search: bool
) -> list[list[int] | None]:
    if not len(lengths) or not lengths.max():
        return [[] for _ in lengths]
    begin, inside, is_inside = bio_partner_arrays(tuple(labels))
    # All words of all sentences as one (words x labels) array: the argmax check needs no
    # padding, and only the sentences that need the search are padded for it.
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    paths = _valid_argmax_paths(flat, starts, lengths, begin, inside, is_inside)
    rest = [row for row in range(len(lengths)) if paths[row] is None]
    if rest and search:
        width = int(lengths[rest].max())
        scores = np.full((len(rest), width, len(labels)), -np.inf, dtype=np.float32)
        for slot, row in enumerate(rest):
            scores[slot, : lengths[row]] = flat[starts[row] : starts[row] + lengths[row]]
        found = _viterbi(scores, lengths[rest], begin, inside, is_inside)
        for row, path in zip(rest, found, strict=True):
            paths[row] = path
    return paths


def _as_array(matrix: torch.Tensor | np.ndarray, width: int) -> np.ndarray:
    if isinstance(matrix, torch.Tensor):
        matrix = matrix.detach().to("cpu", torch.float32).numpy()
    return np.asarray(matrix, dtype=np.float32).reshape(-1, width)


def _valid_argmax_paths(
    flat: np.ndarray,
    starts: np.ndarray,
    lengths: np.ndarray,
    begin: np.ndarray,
    inside: np.ndarray,
    is_inside: np.ndarray,
) -> list[list[int] | None]:
    """Each sentence's per-word argmax, where it is already the best valid path: every word
    has a single best label and the labels read as valid BIO. (No valid path scores more
    than the per-word maxima, and any other path loses at some word.) None where the
    Viterbi search must decide. Most sentences are like this, so most skip the search.
    ``flat`` holds the sentences' words one after another, sentence ``i`` from
    ``starts[i]`` for ``lengths[i]`` words."""
    best = flat.argmax(1)
    top = flat[np.arange(len(flat)), best]
    ok = (flat == top[:, None]).sum(1) == 1
    present = lengths > 0
    opens = np.zeros(len(flat), dtype=bool)
    opens[starts[present]] = True
    previous = np.concatenate(([-1], best[:-1]))
    continues = ~opens & ((previous == begin[best]) | (previous == inside[best]))
    ok &= ~is_inside[best] | continues
    # A sentence is good when all its words are; reduceat over the non-empty sentences.
    good = np.ones(len(lengths), dtype=bool)
    if present.any():
        good[present] = np.logical_and.reduceat(ok, starts[present])
    words = best.tolist()
    return [
        words[start : start + length] if good[row] else None
        for row, (start, length) in enumerate(zip(starts.tolist(), lengths.tolist(), strict=True))
    ]


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

"""Turning per-word label decisions into labelled spans (BIO decoding).

Pure functions over plain lists so they are easy to test: the model code hands over the
chosen label index of each word and that word's confidence; this module groups words into
spans and drops spans whose confidence falls below a threshold.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

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

"""BIO decoding into spans, with confidences and a threshold."""

from __future__ import annotations

from workers.tagger.decoding import LabelledSpan, decode_bio
from workers.tagger.labels import bio_labels

LABELS = bio_labels(["Attack", "Arrest"])  # O B-Attack I-Attack B-Arrest I-Arrest


def ids(*names: str) -> list[int]:
    return [LABELS.index(n) for n in names]


def test_spans_with_mean_confidence() -> None:
    spans = decode_bio(
        ids("O", "B-Attack", "I-Attack", "O", "B-Arrest"), [1.0, 0.8, 0.6, 1.0, 0.9], LABELS
    )
    assert spans == [LabelledSpan(1, 3, "Attack", 0.7), LabelledSpan(4, 5, "Arrest", 0.9)]


def test_inside_without_begin_opens_a_span_and_type_change_splits() -> None:
    spans = decode_bio(ids("I-Attack", "I-Arrest", "B-Arrest", "I-Arrest"), [1, 1, 1, 1], LABELS)
    assert [(s.start, s.end, s.name) for s in spans] == [
        (0, 1, "Attack"),
        (1, 2, "Arrest"),
        (2, 4, "Arrest"),
    ]


def test_threshold_drops_unsure_spans() -> None:
    spans = decode_bio(ids("B-Attack", "O", "B-Arrest"), [0.4, 1.0, 0.9], LABELS, threshold=0.5)
    assert [s.name for s in spans] == ["Arrest"]


def test_best_path_never_continues_a_span_of_another_name() -> None:
    import torch

    from workers.tagger.decoding import best_bio_path

    # argmax would read B-Attack I-Arrest: two broken spans
    probs = torch.tensor(
        [
            [0.1, 0.8, 0.05, 0.05, 0.0],
            [0.1, 0.0, 0.4, 0.0, 0.5],
        ]
    )
    path = best_bio_path(probs.clamp_min(1e-9).log(), LABELS)
    assert [LABELS[i] for i in path] == ["B-Attack", "I-Attack"]
    # a sentence may not start inside a span
    first = best_bio_path(torch.tensor([[0.2, 0.0, 0.8, 0.0, 0.0]]).clamp_min(1e-9).log(), LABELS)
    assert LABELS[first[0]] != "I-Attack"

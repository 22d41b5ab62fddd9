"""BIO decoding into spans, with confidences and a threshold."""

from __future__ import annotations

import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from workers.tagger.decoding import LabelledSpan, bio_partner_ids, decode_bio
from workers.tagger.inference import _decode_spans
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


def _reference_best_path(log_probs, labels):  # type: ignore[no-untyped-def,unused-ignore]
    """The decoder as it was before the numpy loop (per-word torch calls), for comparison."""
    import torch

    from workers.tagger.decoding import allowed_transitions

    transitions = allowed_transitions(tuple(labels))
    starts_inside = torch.tensor([label.startswith("I-") for label in labels])
    score = log_probs[0].masked_fill(starts_inside, float("-inf"))
    back = []
    for word in range(1, log_probs.size(0)):
        score, previous = (score.unsqueeze(1) + transitions).max(0)
        score = score + log_probs[word]
        back.append(previous)
    path = [int(score.argmax())]
    for previous in reversed(back):
        path.append(int(previous[path[-1]]))
    return path[::-1]


@settings(max_examples=200, deadline=None)
@given(
    words=st.integers(min_value=1, max_value=30),
    names=st.integers(min_value=1, max_value=6),
    seed=st.integers(min_value=0, max_value=2**31 - 1),
)
def test_numpy_decoder_equals_the_torch_reference(words: int, names: int, seed: int) -> None:
    import torch

    from workers.tagger.decoding import best_bio_path

    labels = bio_labels([f"T{i}" for i in range(names)])
    generator = torch.Generator().manual_seed(seed)
    log_probs = torch.randn(words, len(labels), generator=generator).log_softmax(-1)
    assert best_bio_path(log_probs, labels) == _reference_best_path(log_probs, labels)


@settings(max_examples=50, deadline=None)
@given(
    words=st.integers(min_value=1, max_value=12),
    seed=st.integers(min_value=0, max_value=2**31 - 1),
)
def test_spans_do_not_depend_on_the_order_of_the_labels(words: int, seed: int) -> None:
    # The span confidences are looked up by label name (bio_partner_ids), not computed
    # from where labels.py happens to put B-x, I-x and O.
    generator = torch.Generator().manual_seed(seed)
    labels = bio_labels(["Attack", "Arrest", "Death"])
    probs = torch.rand(words, len(labels), generator=generator).softmax(-1)
    order = torch.randperm(len(labels), generator=generator)
    shuffled = [labels[i] for i in order]
    expected = _decode_spans(probs, labels, 0.0)
    found = _decode_spans(probs[:, order], shuffled, 0.0)
    assert [s[:3] for s in found] == [s[:3] for s in expected]
    assert [round(s[3], 5) for s in found] == [round(s[3], 5) for s in expected]


def test_partner_ids_pair_each_label_with_its_names_b_and_i() -> None:
    labels = ("I-Attack", "O", "B-Attack")
    assert bio_partner_ids(labels) == ([2, 1, 2], [0, 1, 0])

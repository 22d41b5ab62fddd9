"""BIO decoding into spans, with confidences and a threshold."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from workers.tagger.decoding import LabelledSpan, bio_partner_ids, decode_bio
from workers.tagger.inference import _decode_spans
from workers.tagger.labels import bio_labels
from workers.tagger.tagger import Tagger

SEED = Path(__file__).resolve().parents[2] / "seeds" / "ukrinform-2025-12-06-peace-talks.txt"

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


def best_bio_path(log_probs, labels):  # type: ignore[no-untyped-def,unused-ignore]
    """The batched decoder on one sentence."""
    from workers.tagger.decoding import best_bio_paths

    return best_bio_paths([log_probs], labels)[0]


def allowed_transitions(labels: tuple[str, ...]) -> torch.Tensor:
    """(labels x labels) additive scores: 0 where ``prev -> cur`` is valid BIO, else -inf:
    ``I-x`` may only follow ``B-x`` or ``I-x``; every other label may follow anything. The
    references below search over this table; the decoder uses the rule without it."""
    table = torch.zeros(len(labels), len(labels))
    for cur, label in enumerate(labels):
        if label.startswith("I-"):
            for prev, before in enumerate(labels):
                if before[2:] != label[2:] or before == "O":
                    table[prev, cur] = float("-inf")
    return table


def test_best_path_never_continues_a_span_of_another_name() -> None:

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
    labels = bio_labels([f"T{i}" for i in range(names)])
    generator = torch.Generator().manual_seed(seed)
    log_probs = torch.randn(words, len(labels), generator=generator).log_softmax(-1)
    assert best_bio_path(log_probs, labels) == _reference_best_path(log_probs, labels)


def _numpy_reference(log_probs, labels):  # type: ignore[no-untyped-def,unused-ignore]
    """The full O(labels^2) Viterbi over the transition table, with numpy's first-index
    argmax (the decoder before the batched one): ties must go the same way."""
    import numpy as np

    transitions = allowed_transitions(tuple(labels)).numpy()
    starts_inside = np.array([label.startswith("I-") for label in labels])
    scores = np.asarray(log_probs, dtype=np.float32)
    score = np.where(starts_inside, np.float32(-np.inf), scores[0])
    back = []
    for word in range(1, len(scores)):
        candidates = score[:, None] + transitions
        previous = candidates.argmax(0)
        score = candidates[previous, np.arange(len(labels))] + scores[word]
        back.append(previous)
    path = [int(score.argmax())]
    for previous in reversed(back):
        path.append(int(previous[path[-1]]))
    return path[::-1]


@settings(max_examples=100, deadline=None)
@given(
    lengths=st.lists(st.integers(min_value=0, max_value=25), min_size=1, max_size=8),
    names=st.integers(min_value=1, max_value=6),
    ties=st.booleans(),
    shuffled=st.booleans(),
    seed=st.integers(min_value=0, max_value=2**31 - 1),
)
def test_the_batched_decoder_equals_the_reference_sentence_by_sentence(
    lengths: list[int], names: int, ties: bool, shuffled: bool, seed: int
) -> None:
    # Sentences of different lengths in one call; with ``ties`` small integer scores make
    # equal candidates common, with ``shuffled`` B-x need not come before I-x.
    from workers.tagger.decoding import best_bio_paths

    generator = torch.Generator().manual_seed(seed)
    labels = bio_labels([f"T{i}" for i in range(names)])
    if shuffled:
        labels = [labels[i] for i in torch.randperm(len(labels), generator=generator)]
    matrices = [
        torch.randint(-3, 1, (n, len(labels)), generator=generator).float()
        if ties
        else torch.randn(n, len(labels), generator=generator).log_softmax(-1)
        for n in lengths
    ]
    expected = [_numpy_reference(m.numpy(), labels) if len(m) else [] for m in matrices]
    assert best_bio_paths(matrices, labels) == expected


@settings(max_examples=100, deadline=None)
@given(
    words=st.integers(min_value=1, max_value=20),
    seed=st.integers(min_value=0, max_value=2**31 - 1),
)
def test_masking_columns_equals_decoding_over_the_allowed_labels(words: int, seed: int) -> None:
    # The argument pass decodes each event over the roles its type allows: -inf columns
    # in the full label set must give the path of the allowed labels alone.
    from workers.tagger.decoding import best_bio_paths

    generator = torch.Generator().manual_seed(seed)
    labels = bio_labels([f"R{i}" for i in range(6)])
    allowed = [i for i, label in enumerate(labels) if label == "O" or int(label[-1]) % 2 == 0]
    log_probs = torch.randn(words, len(labels), generator=generator).log_softmax(-1)
    masked = torch.full_like(log_probs, float("-inf"))
    masked[:, allowed] = log_probs[:, allowed]
    subset = best_bio_path(log_probs[:, allowed], [labels[i] for i in allowed])
    assert best_bio_paths([masked], labels)[0] == [allowed[i] for i in subset]


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
    [expected] = _decode_spans([probs], labels, 0.0)
    [found] = _decode_spans([probs[:, order]], shuffled, 0.0)
    assert [s[:3] for s in found] == [s[:3] for s in expected]
    assert [round(s[3], 5) for s in found] == [round(s[3], 5) for s in expected]


def test_partner_ids_pair_each_label_with_its_names_b_and_i() -> None:
    labels = ("I-Attack", "O", "B-Attack")
    assert bio_partner_ids(labels) == ([2, 1, 2], [0, 1, 0])


def test_the_batched_decoder_equals_the_reference_on_real_model_outputs(tagger: Tagger) -> None:
    # The default model's trigger, PLOVER and role probabilities on the seed article.
    from workers.tagger.decoding import best_bio_paths
    from workers.tagger.sentences import split_sentences
    from workers.tagger.words import word_spans

    words = tagger.word_tagger
    text = SEED.read_text("utf-8")
    sentences = [
        [text[a:b] for a, b in word_spans(text, start, end)] for start, end in split_sentences(text)
    ]
    outputs = words.trigger_outputs([words.encoder.word_pieces(s) for s in sentences])
    for matrices, labels in [
        ([t for t, _ in outputs], words.labels.trigger_labels),
        ([p for _, p in outputs if p is not None], words.labels.plover_trigger_labels),
    ]:
        logs = [m.clamp_min(1e-9).log() for m in matrices]
        assert best_bio_paths(logs, labels) == [_numpy_reference(m.numpy(), labels) for m in logs]


@settings(max_examples=60, deadline=None)
@given(
    events=st.lists(
        st.tuples(st.integers(0, 5), st.integers(1, 12), st.integers(0, 2**31 - 1)),
        min_size=1,
        max_size=8,
    ),
    scale=st.sampled_from([1.0, 4.0]),
)
def test_argument_spans_searched_together_equal_each_event_decoded_alone(
    tagger: Tagger, events: list[tuple[int, int, int]], scale: float
) -> None:
    # Events of several types whose argmax paths are often invalid BIO, decoded together
    # over one shared layout of columns: each gets the spans its own labels give alone.
    from workers.tagger.decoding import best_bio_paths
    from workers.tagger.inference import _log

    words = tagger.word_tagger
    names = sorted(words.labels.event_types)[:: max(1, len(words.labels.event_types) // 6)]
    types, probs = [], []
    for kind, length, seed in events:
        generator = torch.Generator().manual_seed(seed)
        logits = torch.randn(length, len(words.labels.argument_labels), generator=generator)
        probs.append((logits * scale).softmax(-1))
        types.append(names[kind % len(names)])
    expected = []
    for matrix, event_type in zip(probs, types, strict=True):
        allowed = words._allowed_ids(event_type)
        labels = [words.labels.argument_labels[i] for i in allowed.tolist()]
        [path] = best_bio_paths([_log(matrix.numpy()[:, allowed])], labels)
        ids = allowed[path].tolist()
        confidences = matrix.numpy()[range(len(ids)), ids].tolist()
        expected.append(
            [(s.start, s.end, s.name, s.confidence) for s in
             decode_bio(ids, confidences, words.labels.argument_labels, 0.0)]
        )  # fmt: skip
    # The argument pass gives each event only its allowed columns (``_run_arguments``).
    compact = [m[:, words._allowed_ids(t)] for m, t in zip(probs, types, strict=True)]
    assert words._argument_spans(compact, types, 0.0) == expected


@pytest.mark.parametrize(
    ("names", "shared"),
    [
        (("O", "B-Agent", "I-Agent", "B-Place", "I-Place"), True),
        (("O",), True),
        (("B-Agent", "I-Agent", "O"), False),  # O not first
        (("O", "B-Agent", "I-Place"), False),  # a pair of two names
        (("O", "B-Agent"), False),  # an unpaired label
    ],
)
def test_only_o_then_bio_pairs_share_the_search_layout(
    names: tuple[str, ...], shared: bool
) -> None:
    from workers.tagger.inference import _reads_as_bio_pairs

    assert _reads_as_bio_pairs(names) is shared


def test_events_outside_the_shared_layout_are_decoded_alone_with_the_same_spans(
    tagger: Tagger, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Half the events take the fallback (decoded alone over their own labels): the spans
    # must not depend on which way an event went.
    words = tagger.word_tagger
    types = sorted(words.labels.event_types)[:6]
    generator = torch.Generator().manual_seed(3)
    probs = [
        (torch.randn(9, len(words.labels.argument_labels), generator=generator) * 4).softmax(-1)[
            :, words._allowed_ids(event_type)
        ]
        for event_type in types
    ]
    together = words._argument_spans(probs, types, 0.0)
    calls = iter(range(10_000))
    monkeypatch.setattr(words, "_shared_types", {})  # the per-type answers, asked afresh
    monkeypatch.setattr(type(words), "_in_shared_layout", lambda self, allowed: next(calls) % 2)
    assert words._argument_spans(probs, types, 0.0) == together
    assert next(calls) >= 2  # both ways were taken

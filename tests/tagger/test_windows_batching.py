"""Windows over long sentences and token-budget batches: invariants under random inputs."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from workers.tagger.batching import token_budget_batches
from workers.tagger.windows import plan_windows, window_around

counts = st.lists(st.integers(min_value=1, max_value=12), min_size=0, max_size=400)


@given(counts, st.integers(min_value=16, max_value=300))
def test_cores_tile_the_sentence_and_windows_fit(piece_counts: list[int], budget: int) -> None:
    windows = plan_windows(piece_counts, budget)
    covered = [i for w in windows for i in range(w.core_start, w.core_end)]
    assert covered == list(range(len(piece_counts)))
    for w in windows:
        assert w.start <= w.core_start <= w.core_end <= w.end
        assert sum(piece_counts[w.start : w.end]) <= budget


@given(counts.filter(bool), st.data())
def test_window_around_keeps_the_trigger(piece_counts: list[int], data: st.DataObject) -> None:
    start = data.draw(st.integers(0, len(piece_counts) - 1))
    left, right = window_around(piece_counts, start, start + 1, 64)
    assert left <= start < right
    assert right - left == 1 or sum(piece_counts[left:right]) <= 64


@given(st.lists(st.integers(1, 300), max_size=200), st.integers(300, 5000))
def test_batches_cover_every_input_once_within_budget(lengths: list[int], budget: int) -> None:
    batches = token_budget_batches(lengths, budget)
    assert sorted(i for b in batches for i in b) == list(range(len(lengths)))
    for batch in batches:
        assert max(lengths[i] for i in batch) * len(batch) <= budget or len(batch) == 1

"""``collate``: each row holds its input followed by padding, the masks say which is which."""

from __future__ import annotations

import torch
from hypothesis import given
from hypothesis import strategies as st

from workers.tagger.encoding import EncodedInput
from workers.tagger.model import collate

IDS = st.lists(st.integers(min_value=1, max_value=30_000), min_size=1, max_size=20)


@st.composite
def encoded_inputs(draw: st.DrawFn) -> EncodedInput:
    ids = draw(IDS)
    segments = draw(st.lists(st.integers(0, 1), min_size=len(ids), max_size=len(ids)))
    words = draw(st.lists(st.integers(0, len(ids) - 1), max_size=len(ids)))
    return EncodedInput(
        ids, segments, sorted(words), marker_index=draw(st.integers(0, len(ids) - 1)),
        marker_end=draw(st.integers(0, len(ids))), type_id=draw(st.integers(0, 9)),
        plover_id=draw(st.integers(0, 9)),
    )  # fmt: skip


@given(st.lists(encoded_inputs(), min_size=1, max_size=6), st.integers(0, 3))
def test_rows_hold_their_input_then_padding(inputs: list[EncodedInput], pad_id: int) -> None:
    batch = collate(inputs, pad_id)
    width = max(len(item) for item in inputs)
    assert batch.input_ids.shape == (len(inputs), width)
    for row, item in enumerate(inputs):
        n, count = len(item), len(item.word_index)
        assert batch.input_ids[row, :n].tolist() == item.input_ids
        assert batch.input_ids[row, n:].eq(pad_id).all()
        assert batch.attention_mask[row].tolist() == [1] * n + [0] * (width - n)
        assert batch.token_type_ids[row, :n].tolist() == item.token_type_ids
        assert batch.word_index[row, :count].tolist() == item.word_index
        assert batch.word_mask[row].sum().item() == count
        assert batch.word_mask[row, :count].all()
        assert batch.marker_index[row].item() == item.marker_index
        assert batch.marker_end[row].item() == item.marker_end
        assert batch.type_ids[row].item() == item.type_id
        assert batch.plover_ids[row].item() == item.plover_id
    assert batch.word_mask.dtype == torch.bool

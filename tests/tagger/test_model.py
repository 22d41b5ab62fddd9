"""``collate``: each row holds its input followed by padding, the masks say which is which;
the argument head computes the same probabilities for a few role columns as for all."""

from __future__ import annotations

import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from workers.tagger.encoding import EncodedInput
from workers.tagger.model import EventExtractionModel, collate

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


def encoded_event(row: int) -> EncodedInput:
    """An event's input of ``7 + row`` pieces, four words, its trigger the second piece."""
    return EncodedInput(
        list(range(3, 10 + row)), [0] * (7 + row), [0, 2, 3, 5], marker_index=1,
        marker_end=3, type_id=row % 3, plover_id=0,
    )  # fmt: skip


@settings(max_examples=25, deadline=None)
@given(
    allowed=st.lists(
        st.lists(st.integers(0, 14), min_size=1, max_size=15, unique=True).map(sorted),
        min_size=1,
        max_size=4,
    ),
    light=st.booleans(),
)
def test_role_columns_give_the_full_masked_softmax_of_those_columns(
    allowed: list[list[int]], light: bool
) -> None:
    # Run time asks the argument head for each event's allowed columns only; training (and
    # the reference here) computes all labels and masks the rest. Same probabilities.
    from transformers import BertConfig, BertModel

    from workers.tagger.inference import role_columns

    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=60, hidden_size=16, num_hidden_layers=2, num_attention_heads=2,
        intermediate_size=32,
    )  # fmt: skip
    model = EventExtractionModel(
        BertModel(config, add_pooling_layer=False), n_trigger_labels=5, n_argument_labels=15,
        argument_layers=int(light), n_types=3, n_plover_types=2,
    ).eval()  # fmt: skip
    inputs = [encoded_event(row) for row in range(len(allowed))]
    batch = collate(inputs, 0)
    mask = torch.zeros(len(allowed), 15)
    for row, ids in enumerate(allowed):
        mask[row, ids] = 1
    with torch.inference_mode():
        full = model.argument_outputs(batch, mask).roles.softmax(-1)
        compact = model.argument_outputs(batch, role_columns(allowed)).roles.softmax(-1)
    for row, ids in enumerate(allowed):
        assert torch.allclose(compact[row, :, : len(ids)], full[row][:, ids], atol=1e-6)
        assert compact[row, :, len(ids) :].sum().item() < 1e-6  # padding takes nothing

"""The network: one transformer encoder, a trigger head and an argument head.

The trigger head labels every word of a sentence with a BIO event-type label. The
argument head labels every word with a BIO role label for ONE event, reading the word's
vector next to the vector of the trigger's opening marker; logits of roles the event type
does not allow are masked out, in training and at run time alike.

The PLOVER coder lives on the same encoder passes: a second trigger head labels words with
BIO PLOVER categories (in the trigger pass), a second role head labels the event's ``actor``
and ``recipient`` and a mode head scores the category's modes from the trigger marker (in
the argument pass). A model trained without PLOVER data has none of these heads.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
from transformers import PreTrainedModel

from workers.tagger.encoding import EncodedInput
from workers.tagger.feature_scaling import FeatureScaler
from workers.tagger.light_arguments import LightArgumentLayers

MASKED_LOGIT = -1e4


@dataclass
class RoleColumns:
    """The role labels an event may take, as the columns its role logits are computed for:
    ``ids`` (events, K) argument-label ids in label order, ``valid`` (events, K) false for
    the padding after an event's own labels. Run time asks for these few columns instead of
    all role labels: the head's last layer computes only them, and the softmax and the copy
    to the host handle a few dozen columns instead of hundreds. The probabilities are those
    of the full masked softmax (masked logits add exactly 0 to it)."""

    ids: torch.Tensor
    valid: torch.Tensor

    def to(self, device: torch.device | str) -> RoleColumns:
        return RoleColumns(self.ids.to(device), self.valid.to(device))


@dataclass
class Batch:
    """Padded tensors for a list of EncodedInputs."""

    input_ids: torch.Tensor
    attention_mask: torch.Tensor
    token_type_ids: torch.Tensor
    word_index: torch.Tensor
    word_mask: torch.Tensor
    marker_index: torch.Tensor
    #: The light argument pass (``light_arguments.py``): where the trigger's pieces end
    #: (exclusive; ``marker_index`` is where they start), and the event's type and PLOVER
    #: category ids (0: none). Zeros for inputs of the other passes.
    marker_end: torch.Tensor
    type_ids: torch.Tensor
    plover_ids: torch.Tensor

    def to(self, device: torch.device | str) -> Batch:
        return Batch(*(t.to(device) for t in vars(self).values()))


def collate(inputs: list[EncodedInput], pad_id: int) -> Batch:
    """Pad a list of inputs into one Batch with the tokenizer's ``pad_id``.

    Rows are padded as Python lists and turned into tensors once per column: one
    ``torch.tensor`` call per row and column costs more than the padding itself.
    """
    width = max(len(item) for item in inputs)
    words = max(1, max(len(item.word_index) for item in inputs))
    input_ids, attention, segments, word_index, word_mask = [], [], [], [], []
    for item in inputs:
        length, count = len(item), len(item.word_index)
        pad, spare = width - length, words - count
        input_ids.append(item.input_ids + [pad_id] * pad)
        attention.append([1] * length + [0] * pad)
        segments.append(item.token_type_ids + [0] * pad)
        word_index.append(item.word_index + [0] * spare)
        word_mask.append([True] * count + [False] * spare)

    def column(name: str) -> torch.Tensor:
        return torch.tensor([getattr(item, name) for item in inputs], dtype=torch.long)

    def long(rows: list[list[int]]) -> torch.Tensor:
        return torch.tensor(rows, dtype=torch.long)

    return Batch(
        long(input_ids), long(attention), long(segments), long(word_index),
        torch.tensor(word_mask, dtype=torch.bool), column("marker_index"),
        column("marker_end"), column("type_id"), column("plover_id"),
    )  # fmt: skip


def _span_head(hidden: int, labels: int, dropout: float) -> nn.Sequential:
    """A head over [word vector; trigger-marker vector] that labels words for one event."""
    return nn.Sequential(
        nn.Linear(2 * hidden, hidden), nn.GELU(), nn.Dropout(dropout), nn.Linear(hidden, labels)
    )


class EventExtractionModel(nn.Module):
    """Encoder + trigger head + trigger-conditioned argument head.

    ``argument_layers`` 0 reads each event through the whole encoder (type name and trigger
    markers in the input); ``k`` > 0 runs the light pass of ``light_arguments.py``: ``k``
    layers per event over the sentence's states below the encoder's top ``k`` layers
    (``n_types`` and ``n_plover_types`` size its type and category embeddings).
    """

    def __init__(
        self,
        encoder: PreTrainedModel,
        n_trigger_labels: int,
        n_argument_labels: int,
        dropout: float = 0.1,
        n_plover_labels: int = 0,
        n_plover_role_labels: int = 0,
        n_modes: int = 0,
        argument_layers: int = 0,
        n_types: int = 0,
        n_plover_types: int = 0,
        feature_scaling: bool = False,
    ) -> None:
        super().__init__()
        self.encoder = encoder
        self.light: LightArgumentLayers | None = None
        if argument_layers:
            self.light = LightArgumentLayers.from_encoder(
                encoder, argument_layers, n_types, n_plover_types
            )
        #: BERT-style encoders read segment ids (type name vs sentence); RoBERTa (one
        #: segment type) and MPNet (none) must not be given them.
        self.uses_segments = int(getattr(encoder.config, "type_vocab_size", 0) or 0) > 1
        hidden = int(encoder.config.hidden_size)
        #: Standardizes the states every head reads (``feature_scaling.py``); None in
        #: models trained before it existed, which read the encoder's states as they are.
        self.scaler = FeatureScaler(hidden) if feature_scaling else None
        self.dropout = nn.Dropout(dropout)
        self.trigger_head = nn.Linear(hidden, n_trigger_labels)
        self.argument_head = _span_head(hidden, n_argument_labels, dropout)
        self.plover_trigger_head: nn.Linear | None = None
        self.plover_role_head: nn.Sequential | None = None
        self.mode_head: nn.Linear | None = None
        if n_plover_labels:
            self.plover_trigger_head = nn.Linear(hidden, n_plover_labels)
            self.plover_role_head = _span_head(hidden, n_plover_role_labels, dropout)
            self.mode_head = nn.Linear(hidden, max(1, n_modes))

    def encode(self, batch: Batch) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Top-layer states and, for the light argument pass, the states below its layers."""
        segments = {"token_type_ids": batch.token_type_ids} if self.uses_segments else {}
        out = self.encoder(
            input_ids=batch.input_ids,
            attention_mask=batch.attention_mask,
            output_hidden_states=self.light is not None,
            **segments,
        )
        if self.light is None:
            return out.last_hidden_state, None
        return out.last_hidden_state, out.hidden_states[-1 - len(self.light.layers)]

    @staticmethod
    def word_states(hidden: torch.Tensor, word_index: torch.Tensor) -> torch.Tensor:
        """Each word's state (its first piece's): (batch, words, hidden)."""
        index = word_index.unsqueeze(-1).expand(-1, -1, hidden.size(-1))
        return torch.gather(hidden, 1, index)

    def _for_heads(self, hidden: torch.Tensor) -> torch.Tensor:
        return hidden if self.scaler is None else self.scaler(hidden)

    def trigger_states(
        self, batch: Batch
    ) -> tuple[torch.Tensor, torch.Tensor | None, torch.Tensor | None]:
        """Event-type logits, PLOVER-category logits (None without a PLOVER coder), each
        (batch, words, labels), and the states the light argument pass starts from (None
        without it), from one encoder pass."""
        hidden, lower = self.encode(batch)
        words = self.dropout(self.word_states(self._for_heads(hidden), batch.word_index))
        plover = self.plover_trigger_head(words) if self.plover_trigger_head else None
        return self.trigger_head(words), plover, lower

    def trigger_outputs(self, batch: Batch) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Event-type logits and PLOVER-category logits (None without a PLOVER coder)."""
        types, plover, _ = self.trigger_states(batch)
        return types, plover

    def argument_outputs(
        self, batch: Batch, label_mask: torch.Tensor | RoleColumns
    ) -> ArgumentOutputs:
        """Role logits (masked by ``label_mask``, events x argument labels; or only the
        ``RoleColumns`` given), and with a PLOVER coder the actor/recipient logits and the
        mode logits, for one event per input (as training builds them)."""
        hidden, lower = self.encode(batch)
        if lower is not None:
            return self.light_argument_outputs(lower, batch, label_mask)
        hidden = self._for_heads(hidden)
        rows = torch.arange(hidden.size(0), device=hidden.device)
        return self._argument_heads(
            self.word_states(hidden, batch.word_index),
            hidden[rows, batch.marker_index],
            label_mask,
        )

    def light_argument_outputs(
        self, states: torch.Tensor, batch: Batch, label_mask: torch.Tensor | RoleColumns
    ) -> ArgumentOutputs:
        """The light pass over ``states`` (batch, pieces, hidden), one event per row, the
        event's trigger, type and category given by ``batch``."""
        if self.light is None:
            raise ValueError("this model has no light argument pass (argument_layers 0)")
        top = self.light(
            states, batch.attention_mask, batch.marker_index, batch.marker_end,
            batch.type_ids, batch.plover_ids,
        )  # fmt: skip
        top = self._for_heads(top)
        rows = torch.arange(top.size(0), device=top.device)
        return self._argument_heads(
            self.word_states(top, batch.word_index), top[rows, batch.marker_index], label_mask
        )

    def _argument_heads(
        self,
        words: torch.Tensor,
        marker_vector: torch.Tensor,
        label_mask: torch.Tensor | RoleColumns,
    ) -> ArgumentOutputs:
        marker = marker_vector.unsqueeze(1).expand_as(words)
        features = self.dropout(torch.cat([words, marker], dim=-1))
        if isinstance(label_mask, RoleColumns):
            roles = self._role_columns(features, label_mask)
        else:
            logits = self.argument_head(features)
            mask = label_mask.unsqueeze(1).to(logits.dtype)
            roles = logits * mask + (1 - mask) * MASKED_LOGIT
        if self.plover_role_head is None or self.mode_head is None:
            return ArgumentOutputs(roles)
        return ArgumentOutputs(
            roles,
            self.plover_role_head(features),
            self.mode_head(self.dropout(marker_vector)),
        )

    def _role_columns(self, features: torch.Tensor, columns: RoleColumns) -> torch.Tensor:
        """Role logits of only each event's ``columns`` (events, words, K): the head's last
        layer restricted to those rows of its weight, padding columns at MASKED_LOGIT."""
        *inner, last = self.argument_head
        hidden = features
        for layer in inner:
            hidden = layer(hidden)
        assert isinstance(last, nn.Linear)
        weight = last.weight[columns.ids]  # (events, K, hidden)
        bias = last.bias[columns.ids]  # (events, K)
        logits = torch.baddbmm(bias.unsqueeze(1), hidden, weight.transpose(1, 2))
        return logits.masked_fill(~columns.valid.unsqueeze(1), MASKED_LOGIT)


@dataclass
class ArgumentOutputs:
    """What the argument pass gives for a batch of events."""

    roles: torch.Tensor  # (batch, words, argument labels), or (batch, words, K) for RoleColumns
    plover_roles: torch.Tensor | None = None  # (batch, words, PLOVER role labels)
    modes: torch.Tensor | None = None  # (batch, modes): independent logits

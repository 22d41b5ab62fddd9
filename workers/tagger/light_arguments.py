"""The light argument pass: a few transformer layers per event over states the sentence
already has, instead of re-encoding the sentence once per event.

The full argument pass (``EventExtractionModel.argument_outputs`` with ``argument_layers``
0) reads each event as a new input: the type's name, then the sentence with its trigger
between two marker tokens, through the whole encoder. A sentence with three events costs
four encoder passes, and on a CPU those passes were 85% of the tagger's model time.

Here the sentence is encoded once, by the trigger pass. Its hidden states below the top
``k`` layers are kept; each event adds what the markers and the type name used to say to
the trigger's pieces (a trigger embedding, an event-type embedding and a PLOVER-category
embedding), and runs its own copy of the top ``k`` layers. The copies start from the
pretrained top layers (so before training the pass reproduces the encoder's output) and are
then trained on argument examples only, while the encoder's own top layers keep serving
the trigger heads. Cost per event: ``k`` of the encoder's layers instead of all of them
plus the extra pieces.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn


def _new_layer(hidden: int, heads: int, inner: int, eps: float) -> nn.TransformerEncoderLayer:
    """A post-norm layer with exact GELU: the shape of a BERT layer."""
    return nn.TransformerEncoderLayer(
        hidden, heads, inner, dropout=0.1, activation="gelu", layer_norm_eps=eps,
        batch_first=True, norm_first=False,
    )  # fmt: skip


def _bert_layer_to_torch(layer: Any, heads: int, eps: float) -> nn.TransformerEncoderLayer:
    """A ``nn.TransformerEncoderLayer`` with the weights of a BERT-shaped layer (post-norm
    attention and feed-forward blocks, exact GELU), which it computes identically."""
    attention, output = layer.attention, layer.output
    hidden = int(attention.self.query.weight.shape[0])
    inner = int(layer.intermediate.dense.weight.shape[0])
    copy = _new_layer(hidden, heads, inner, eps)
    self_attention = attention.self
    with torch.no_grad():
        copy.self_attn.in_proj_weight.copy_(
            torch.cat([self_attention.query.weight, self_attention.key.weight,
                       self_attention.value.weight])
        )  # fmt: skip
        copy.self_attn.in_proj_bias.copy_(
            torch.cat([self_attention.query.bias, self_attention.key.bias,
                       self_attention.value.bias])
        )  # fmt: skip
        copy.self_attn.out_proj.load_state_dict(attention.output.dense.state_dict())
        copy.norm1.load_state_dict(attention.output.LayerNorm.state_dict())
        copy.linear1.load_state_dict(layer.intermediate.dense.state_dict())
        copy.linear2.load_state_dict(output.dense.state_dict())
        copy.norm2.load_state_dict(output.LayerNorm.state_dict())
    return copy


def encoder_layers(encoder: nn.Module) -> nn.ModuleList:
    """The encoder's transformer layers (BERT, RoBERTa, MiniLM shape), or a clear error."""
    layers = getattr(getattr(encoder, "encoder", None), "layer", None)
    if not isinstance(layers, nn.ModuleList) or not hasattr(layers[0], "intermediate"):
        raise ValueError(
            f"the light argument pass needs a BERT-shaped encoder; {type(encoder).__name__} "
            "is not one (train it with argument_layers 0)"
        )
    return layers


class LightArgumentLayers(nn.Module):
    """Trigger/type/category conditioning plus ``k`` transformer layers for one event."""

    def __init__(
        self, hidden: int, heads: int, inner: int, eps: float, k: int, n_types: int,
        n_plover: int,
    ) -> None:  # fmt: skip
        super().__init__()
        self.layers = nn.ModuleList(_new_layer(hidden, heads, inner, eps) for _ in range(k))
        #: Row 0: a piece outside the trigger; row 1: a piece of the trigger.
        self.trigger = nn.Embedding(2, hidden)
        #: Row 0: no tagger type (or no PLOVER category); row i: type (category) i - 1.
        self.types = nn.Embedding(n_types + 1, hidden)
        self.plover = nn.Embedding(n_plover + 1, hidden)
        for table in (self.trigger, self.types, self.plover):
            nn.init.normal_(table.weight, std=0.02)

    @classmethod
    def from_encoder(
        cls, encoder: nn.Module, k: int, n_types: int, n_plover: int
    ) -> LightArgumentLayers:
        """Layers sized like ``encoder``'s, starting from copies of its top ``k`` layers."""
        config: Any = encoder.config
        layers = encoder_layers(encoder)
        if not 1 <= k <= len(layers):
            raise ValueError(f"argument_layers must be 1 to {len(layers)}, not {k}")
        light = cls(
            int(config.hidden_size), int(config.num_attention_heads),
            int(config.intermediate_size), float(config.layer_norm_eps), k, n_types, n_plover,
        )  # fmt: skip
        for position, layer in enumerate(layers[len(layers) - k :]):
            light.layers[position] = _bert_layer_to_torch(
                layer, int(config.num_attention_heads), float(config.layer_norm_eps)
            )
        return light

    def forward(
        self,
        states: torch.Tensor,
        attention_mask: torch.Tensor,
        trigger_start: torch.Tensor,
        trigger_end: torch.Tensor,
        type_ids: torch.Tensor,
        plover_ids: torch.Tensor,
    ) -> torch.Tensor:
        """Per event (batch row): ``states`` (batch, pieces, hidden) below the top layers,
        the trigger's pieces ``[trigger_start, trigger_end)``; returns top-layer states."""
        positions = torch.arange(states.size(1), device=states.device).unsqueeze(0)
        inside = (positions >= trigger_start.unsqueeze(1)) & (positions < trigger_end.unsqueeze(1))
        event = (self.types(type_ids) + self.plover(plover_ids)).unsqueeze(1)
        x = states + self.trigger(inside.long()) + inside.unsqueeze(-1).to(states.dtype) * event
        padding = attention_mask == 0
        for layer in self.layers:
            x = layer(x, src_key_padding_mask=padding)
        return x

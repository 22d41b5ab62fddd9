"""Low-rank adapters (LoRA) on an encoder's linear layers, and merging them back in.

A base-size encoder has about 110 M parameters (440 MB in float32): too much to keep in the
repository once per fine-tune. With LoRA the base weights stay frozen and each wrapped
linear layer learns ``W + (alpha / rank) * B @ A`` with ``A`` (rank x in) and ``B``
(out x rank) small; ``B`` starts at zero, so training starts from exactly the base
encoder. Only the adapters, the LayerNorms (optionally) and the heads are trained, and
only they are saved (``model_io``'s delta format). For inference the adapters are merged
into the base weights (``merge_lora``): the running model is a plain encoder with plain
``nn.Linear`` layers, as fast as the base and quantizable the same way.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
from torch import nn

#: Target value meaning "every linear layer of the encoder".
ALL_LINEAR = "all"


@dataclass(frozen=True)
class LoRAConfig:
    """What is adapted and how; saved with a delta model so the loader rebuilds the same."""

    rank: int = 16
    alpha: float = 32.0
    #: Linear layers to wrap: ``("all",)`` or the last parts of their module names
    #: (``q``, ``k``, ``v``, ``o`` for MPNet, ``query``, ``value`` for BERT; ``dense``
    #: matches every ``...dense`` layer).
    targets: tuple[str, ...] = (ALL_LINEAR,)
    dropout: float = 0.0
    #: Whether the encoder's LayerNorm weights and biases are trained (and saved) too.
    train_norms: bool = True

    def __post_init__(self) -> None:
        if self.rank < 1:
            raise ValueError(f"LoRA rank must be at least 1, not {self.rank}")
        if self.alpha <= 0:
            raise ValueError(f"LoRA alpha must be positive, not {self.alpha}")
        if not 0 <= self.dropout < 1:
            raise ValueError(f"LoRA dropout must be in [0, 1), not {self.dropout}")
        if not self.targets:
            raise ValueError("LoRA targets: name at least one layer (or 'all')")

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "targets": list(self.targets)}

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> LoRAConfig:
        values = dict(data)
        targets = values.get("targets", (ALL_LINEAR,))
        assert isinstance(targets, list | tuple), targets
        values["targets"] = tuple(str(t) for t in targets)
        return cls(**values)  # type: ignore[arg-type]


class LoRALinear(nn.Module):
    """``base(x) + scaling * B(A(dropout(x)))`` with ``base`` frozen; ``B`` starts at zero."""

    def __init__(self, base: nn.Linear, rank: int, alpha: float, dropout: float = 0.0) -> None:
        super().__init__()
        self.base = base
        for parameter in base.parameters():
            parameter.requires_grad_(False)
        self.rank = rank
        self.scaling = alpha / rank
        weight = base.weight
        self.lora_a = nn.Parameter(torch.empty(rank, base.in_features, dtype=weight.dtype))
        self.lora_b = nn.Parameter(torch.zeros(base.out_features, rank, dtype=weight.dtype))
        nn.init.kaiming_uniform_(self.lora_a, a=math.sqrt(5))  # as nn.Linear initialises
        self.dropout = nn.Dropout(dropout) if dropout else nn.Identity()

    # Code that reads a linear layer's attributes directly still finds them.
    @property
    def weight(self) -> torch.Tensor:
        return self.base.weight

    @property
    def bias(self) -> torch.Tensor | None:
        return self.base.bias

    @property
    def in_features(self) -> int:
        return self.base.in_features

    @property
    def out_features(self) -> int:
        return self.base.out_features

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        update = self.dropout(x) @ self.lora_a.transpose(0, 1) @ self.lora_b.transpose(0, 1)
        return self.base(x) + update * self.scaling

    def delta_weight(self) -> torch.Tensor:
        """``scaling * B @ A``: what the adapter adds to the base weight."""
        return (self.lora_b @ self.lora_a) * self.scaling

    def merged(self) -> nn.Linear:
        """A plain linear layer computing the same function (up to rounding)."""
        base = self.base
        linear = nn.Linear(
            base.in_features,
            base.out_features,
            bias=base.bias is not None,
            device=base.weight.device,
            dtype=base.weight.dtype,
        )
        with torch.no_grad():
            linear.weight.copy_(base.weight + self.delta_weight().to(base.weight.dtype))
            if base.bias is not None:
                linear.bias.copy_(base.bias)
        return linear


def _targeted(name: str, targets: tuple[str, ...]) -> bool:
    last = name.rsplit(".", 1)[-1]
    return ALL_LINEAR in targets or last in targets


def add_lora(encoder: nn.Module, config: LoRAConfig) -> list[str]:
    """Wrap the encoder's targeted ``nn.Linear`` layers in ``LoRALinear`` (in place) and
    freeze everything but the adapters (and the LayerNorms when ``config.train_norms``).
    Returns the wrapped layers' names; an error when no layer matches the targets."""
    chosen = [
        name
        for name, module in encoder.named_modules()
        if type(module) is nn.Linear and _targeted(name, config.targets)
    ]
    if not chosen:
        raise ValueError(f"LoRA targets {list(config.targets)} match no linear layer")
    for parameter in encoder.parameters():
        parameter.requires_grad_(False)
    for name in chosen:
        parent_name, _, child = name.rpartition(".")
        parent = encoder.get_submodule(parent_name) if parent_name else encoder
        base = getattr(parent, child)
        setattr(parent, child, LoRALinear(base, config.rank, config.alpha, config.dropout))
    if config.train_norms:
        for module in encoder.modules():
            if isinstance(module, nn.LayerNorm):
                for parameter in module.parameters():
                    parameter.requires_grad_(True)
    return chosen


def has_lora(module: nn.Module) -> bool:
    return any(isinstance(m, LoRALinear) for m in module.modules())


def merge_lora(module: nn.Module) -> int:
    """Replace every ``LoRALinear`` under ``module`` by its merged ``nn.Linear`` (in place);
    returns how many were merged."""
    wrapped = [(name, m) for name, m in module.named_modules() if isinstance(m, LoRALinear)]
    for name, layer in wrapped:
        parent_name, _, child = name.rpartition(".")
        parent = module.get_submodule(parent_name) if parent_name else module
        setattr(parent, child, layer.merged())
    return len(wrapped)

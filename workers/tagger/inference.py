"""Running the model over word-tokenized sentences: the trigger pass, then one argument
pass per event.

This layer knows words, not characters: the article pipeline (``tagger.py``) maps words
to character offsets, and evaluation feeds the data's own tokens. Work is batched by a
token budget over all sentences given at once, so many articles share model calls; the
result for a sentence does not depend on which other sentences came with it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import torch

from workers.tagger.batching import token_budget_batches
from workers.tagger.decoding import best_bio_path, decode_bio
from workers.tagger.encoding import EncodedInput, InputEncoder
from workers.tagger.labels import OUTSIDE, LabelSpace
from workers.tagger.model import EventExtractionModel, collate
from workers.tagger.model_io import ModelMetadata, load_model
from workers.tagger.windows import plan_windows, window_around

#: Confidences are rounded so that results are stable across batch compositions.
CONFIDENCE_DIGITS = 4


@dataclass(frozen=True)
class WordArgument:
    """An argument by word indices (end exclusive) within its sentence."""

    role: str
    start: int
    end: int
    confidence: float = 1.0


@dataclass(frozen=True)
class WordEvent:
    """An event by word indices within its sentence."""

    event_type: str
    start: int
    end: int
    confidence: float = 1.0
    arguments: tuple[WordArgument, ...] = field(default=())


@dataclass(frozen=True)
class TriggerRequest:
    """Asks for the arguments of one event of one sentence (gold or predicted trigger)."""

    sentence: int
    event_type: str
    start: int
    end: int
    confidence: float = 1.0


def _run(
    model: EventExtractionModel,
    inputs: list[EncodedInput],
    budget: int,
    device: torch.device,
    label_masks: list[torch.Tensor] | None = None,
) -> list[torch.Tensor]:
    """Softmax probabilities (words x labels) for each input, batched by token budget."""
    outputs: list[torch.Tensor | None] = [None] * len(inputs)
    for indices in token_budget_batches([len(item) for item in inputs], budget):
        batch = collate([inputs[i] for i in indices]).to(device)
        with torch.inference_mode():
            if label_masks is None:
                logits = model.trigger_logits(batch)
            else:
                mask = torch.stack([label_masks[i] for i in indices]).to(device)
                logits = model.argument_logits(batch, mask)
            probs = logits.float().softmax(-1).cpu()
        for row, index in enumerate(indices):
            outputs[index] = probs[row, : len(inputs[index].word_index)]
    return [p for p in outputs if p is not None]


class WordTagger:
    """The model with its tokenizer, labels and thresholds, ready to predict."""

    def __init__(
        self,
        model: EventExtractionModel,
        encoder: InputEncoder,
        labels: LabelSpace,
        metadata: ModelMetadata,
        device: torch.device,
        token_budget: int = 8192,
    ) -> None:
        self.model = model
        self.encoder = encoder
        self.labels = labels
        self.metadata = metadata
        self.device = device
        self.token_budget = token_budget
        self._masks = {t: torch.tensor(labels.argument_label_mask(t)) for t in labels.event_types}
        self._type_of_label = [
            None if name == OUTSIDE else labels.event_types.index(name[2:])
            for name in labels.trigger_labels
        ]

    @classmethod
    def load(
        cls,
        directory: Path,
        device: torch.device,
        dtype: torch.dtype = torch.float32,
        token_budget: int = 8192,
    ) -> WordTagger:
        model, tokenizer, labels, metadata = load_model(directory, device, dtype)
        encoder = InputEncoder(tokenizer, metadata.max_pieces)
        return cls(model, encoder, labels, metadata, device, token_budget)

    # -- trigger pass -------------------------------------------------------------------

    def trigger_probabilities(self, pieces: list[list[list[int]]]) -> list[torch.Tensor]:
        """Per sentence, (words x trigger labels) probabilities; long sentences windowed."""
        inputs: list[EncodedInput] = []
        places: list[tuple[int, int, int, int]] = []  # sentence, window start, core start, core end
        for sentence, words in enumerate(pieces):
            counts = [len(w) for w in words]
            for window in plan_windows(counts, self.encoder.max_pieces - 2):
                inputs.append(self.encoder.trigger_input(words[window.start : window.end]))
                places.append((sentence, window.start, window.core_start, window.core_end))
        probs = _run(self.model, inputs, self.token_budget, self.device)
        out = [torch.zeros(len(words), len(self.labels.trigger_labels)) for words in pieces]
        for (sentence, start, core_start, core_end), window_probs in zip(
            places, probs, strict=True
        ):
            out[sentence][core_start:core_end] = window_probs[core_start - start : core_end - start]
        return out

    def decode_triggers(self, probs: torch.Tensor, threshold: float) -> list[TriggerRequest]:
        """Trigger spans of one sentence: a word's confidence is P(B-type) + P(I-type)."""
        if probs.numel() == 0:
            return []
        label_ids = best_bio_path(probs.clamp_min(1e-9).log(), self.labels.trigger_labels)
        confidences = []
        for word, label_id in enumerate(label_ids):
            type_index = self._type_of_label[label_id]
            if type_index is None:
                confidences.append(float(probs[word, 0]))
            else:
                b = 1 + 2 * type_index
                confidences.append(float(probs[word, b] + probs[word, b + 1]))
        spans = decode_bio(label_ids, confidences, self.labels.trigger_labels, threshold)
        return [TriggerRequest(-1, s.name, s.start, s.end, s.confidence) for s in spans]

    # -- argument pass ------------------------------------------------------------------

    def arguments(
        self,
        pieces: list[list[list[int]]],
        requests: Sequence[TriggerRequest],
        threshold: float,
    ) -> list[tuple[WordArgument, ...]]:
        """The arguments of each requested event, one model input per event."""
        inputs, offsets, masks = [], [], []
        for request in requests:
            words = pieces[request.sentence]
            counts = [len(w) for w in words]
            budget = self.encoder.max_pieces - self.encoder.argument_overhead(request.event_type)
            left, right = window_around(counts, request.start, request.end, budget)
            inputs.append(
                self.encoder.argument_input(
                    words[left:right], request.start - left, request.end - left, request.event_type
                )
            )
            offsets.append(left)
            masks.append(self._masks.get(request.event_type, self._fallback_mask()))
        if not inputs:
            return []
        probs = _run(self.model, inputs, self.token_budget, self.device, masks)
        results = []
        for request, left, window_probs in zip(requests, offsets, probs, strict=True):
            label_ids = self._argument_path(window_probs, request.event_type)
            confidences = [float(window_probs[i, j]) for i, j in enumerate(label_ids)]
            spans = decode_bio(label_ids, confidences, self.labels.argument_labels, threshold)
            results.append(
                tuple(
                    WordArgument(s.name, s.start + left, s.end + left, s.confidence)
                    for s in spans
                    if not (s.start + left == request.start and s.end + left == request.end)
                )
            )
        return results

    def _argument_path(self, probs: torch.Tensor, event_type: str) -> list[int]:
        """Best valid BIO labelling over the roles the event type allows."""
        allowed = self._masks.get(event_type, self._fallback_mask()).nonzero().flatten()
        names = [self.labels.argument_labels[i] for i in allowed.tolist()]
        path = best_bio_path(probs[:, allowed].clamp_min(1e-9).log(), names)
        return [int(allowed[i]) for i in path]

    def _fallback_mask(self) -> torch.Tensor:
        return torch.tensor(self.labels.argument_label_mask(""))

    # -- both ---------------------------------------------------------------------------

    def predict(
        self,
        sentences: Sequence[Sequence[str]],
        gold_triggers: Sequence[Sequence[WordEvent]] | None = None,
        trigger_threshold: float | None = None,
        argument_threshold: float | None = None,
    ) -> list[list[WordEvent]]:
        """Events of each sentence (words); with ``gold_triggers`` only arguments are predicted."""
        t_threshold = (
            self.metadata.trigger_threshold if trigger_threshold is None else trigger_threshold
        )
        a_threshold = (
            self.metadata.argument_threshold if argument_threshold is None else argument_threshold
        )
        pieces = [self.encoder.word_pieces(list(words)) for words in sentences]
        requests: list[TriggerRequest] = []
        if gold_triggers is None:
            for sentence, probs in enumerate(self.trigger_probabilities(pieces)):
                requests += [
                    TriggerRequest(sentence, r.event_type, r.start, r.end, r.confidence)
                    for r in self.decode_triggers(probs, t_threshold)
                ]
        else:
            for sentence, events in enumerate(gold_triggers):
                requests += [TriggerRequest(sentence, e.event_type, e.start, e.end) for e in events]
        arguments = self.arguments(pieces, requests, a_threshold)
        out: list[list[WordEvent]] = [[] for _ in sentences]
        for request, args in zip(requests, arguments, strict=True):
            out[request.sentence].append(
                WordEvent(
                    request.event_type,
                    request.start,
                    request.end,
                    round(request.confidence, CONFIDENCE_DIGITS),
                    tuple(
                        WordArgument(a.role, a.start, a.end, round(a.confidence, CONFIDENCE_DIGITS))
                        for a in args
                    ),
                )
            )
        return out

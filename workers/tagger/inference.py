"""Running the model over word-tokenized sentences: the trigger pass, then one argument
pass per event.

With a PLOVER coder the trigger pass also finds PLOVER-category triggers; one that overlaps
an event-type trigger codes that event, one that overlaps none becomes an event of its own
(``event_type`` ""). The argument pass of a coded event also labels its actor and recipient
and scores its modes.

This layer knows words, not characters: the article pipeline (``tagger.py``) maps words
to character offsets, and evaluation feeds the data's own tokens. Work is batched by a
token budget over all sentences given at once, so many articles share model calls; the
result for a sentence does not depend on which other sentences came with it.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch

from workers.tagger.batching import token_budget_batches
from workers.tagger.decoding import (
    best_bio_paths,
    best_bio_paths_flat,
    bio_partner_arrays,
    decode_bio,
)
from workers.tagger.encoding import EncodedInput, InputEncoder, segment_name
from workers.tagger.labels import OUTSIDE, LabelSpace, bio_labels
from workers.tagger.model import EventExtractionModel, RoleColumns, collate
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
class WordPlover:
    """The PLOVER coding of an event: category, actor and recipient spans, modes."""

    category: str
    confidence: float = 1.0
    actor: tuple[WordArgument, ...] = ()
    recipient: tuple[WordArgument, ...] = ()
    modes: tuple[str, ...] = ()


@dataclass(frozen=True)
class WordEvent:
    """An event by word indices within its sentence; ``event_type`` is "" for an event
    that only the PLOVER coder found."""

    event_type: str
    start: int
    end: int
    confidence: float = 1.0
    arguments: tuple[WordArgument, ...] = field(default=())
    plover: WordPlover | None = None


@dataclass(frozen=True)
class TriggerRequest:
    """Asks for the arguments of one event of one sentence (gold or predicted trigger)."""

    sentence: int
    event_type: str
    start: int
    end: int
    confidence: float = 1.0
    plover: str | None = None
    plover_confidence: float = 1.0


@dataclass(frozen=True)
class ArgumentProbabilities:
    """Softmax/sigmoid outputs of the argument pass for one event (words x labels)."""

    roles: torch.Tensor  # words x the event's allowed role labels (``_allowed_ids``)
    plover_roles: torch.Tensor | None = None
    modes: torch.Tensor | None = None


@dataclass
class ModelClock:
    """Wall seconds spent in model calls (forward, softmax, copy to the host) and how many;
    ``make bench-tagger`` divides them by the total to show the model's share of the time."""

    seconds: float = 0.0
    calls: int = 0

    def add(self, started: float) -> None:
        self.seconds += time.perf_counter() - started
        self.calls += 1


@dataclass(frozen=True)
class SentenceWindow:
    """One trigger-pass input: its sentence, its first word, the words it is trusted for
    (its core), and for the light argument pass its states on the model's device."""

    sentence: int
    start: int
    core_start: int
    core_end: int
    input: EncodedInput
    states: torch.Tensor | None = None


def _batches(inputs: list[EncodedInput], budget: int) -> list[list[int]]:
    return token_budget_batches([len(item) for item in inputs], budget)


TriggerOutput = tuple[torch.Tensor, torch.Tensor | None, torch.Tensor | None]


def _run_triggers(
    model: EventExtractionModel,
    inputs: list[EncodedInput],
    pad_id: int,
    budget: int,
    device: torch.device,
    clock: ModelClock,
) -> list[TriggerOutput]:
    """Per input: event-type and PLOVER-category (or None) probabilities, words x labels,
    and the states the light argument pass starts from (pieces x hidden, left on the
    model's device; None without a light pass)."""
    outputs: list[TriggerOutput] = [(torch.empty(0), None, None) for _ in inputs]
    for indices in _batches(inputs, budget):
        batch = collate([inputs[i] for i in indices], pad_id).to(device)
        started = time.perf_counter()
        with torch.inference_mode():
            types, plover, lower = model.trigger_states(batch)
            type_probs = types.float().softmax(-1).cpu()
            plover_probs = None if plover is None else plover.float().softmax(-1).cpu()
        clock.add(started)
        for row, index in enumerate(indices):
            words = len(inputs[index].word_index)
            outputs[index] = (
                type_probs[row, :words],
                None if plover_probs is None else plover_probs[row, :words],
                None if lower is None else lower[row, : len(inputs[index])],
            )
    return outputs


def role_columns(allowed: Sequence[np.ndarray]) -> RoleColumns:
    """``RoleColumns`` for events that may take the label ids ``allowed`` (one array each,
    in label order): padded to the widest with label 0, marked invalid there."""
    width = max(len(ids) for ids in allowed)
    ids = np.zeros((len(allowed), width), dtype=np.int64)
    valid = np.zeros((len(allowed), width), dtype=bool)
    for row, own in enumerate(allowed):
        ids[row, : len(own)] = own
        valid[row, : len(own)] = True
    return RoleColumns(torch.from_numpy(ids), torch.from_numpy(valid))


def _run_arguments(
    model: EventExtractionModel,
    inputs: list[EncodedInput],
    states: list[torch.Tensor] | None,
    pad_id: int,
    budget: int,
    device: torch.device,
    allowed: list[np.ndarray],
    clock: ModelClock,
) -> list[ArgumentProbabilities]:
    """Role (and PLOVER role and mode) probabilities per event, batched by token budget:
    the full pass over ``inputs`` (one encoder pass each), or with ``states`` (each event's
    sentence states, see ``SentenceWindow``) the light pass. An event's role matrix holds
    only the columns of its ``allowed`` label ids (words x len(allowed), in that order)."""
    outputs: list[ArgumentProbabilities] = [ArgumentProbabilities(torch.empty(0)) for _ in inputs]
    for indices in _batches(inputs, budget):
        batch = collate([inputs[i] for i in indices], pad_id).to(device)
        columns = role_columns([allowed[i] for i in indices]).to(device)
        started = time.perf_counter()
        with torch.inference_mode():
            if states is None:
                out = model.argument_outputs(batch, columns)
            else:
                padded = torch.nn.utils.rnn.pad_sequence(
                    [states[i] for i in indices], batch_first=True
                )
                out = model.light_argument_outputs(padded, batch, columns)
            roles = out.roles.float().softmax(-1).cpu()
            sides = None if out.plover_roles is None else out.plover_roles.float().softmax(-1).cpu()
            modes = None if out.modes is None else out.modes.float().sigmoid().cpu()
        clock.add(started)
        for row, index in enumerate(indices):
            words = len(inputs[index].word_index)
            outputs[index] = ArgumentProbabilities(
                roles[row, :words, : len(allowed[index])],
                None if sides is None else sides[row, :words],
                None if modes is None else modes[row],
            )
    return outputs


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def attach_plover(
    requests: list[TriggerRequest], coded: list[TriggerRequest]
) -> list[TriggerRequest]:
    """Merge PLOVER-category triggers (``coded``: event_type "", ``plover`` set) into the
    event-type triggers of the same sentence: a category codes the event whose trigger it
    overlaps most (one category per event); one that overlaps none is an event of its own."""
    by_sentence: dict[int, list[TriggerRequest]] = {}
    for request in requests:
        by_sentence.setdefault(request.sentence, []).append(request)
    # Highest confidence first, over all sentences (a sentence's order is what matters).
    for item in sorted(coded, key=lambda r: -r.plover_confidence):
        merged = by_sentence.setdefault(item.sentence, [])
        best, best_overlap = None, 0
        for position, request in enumerate(merged):
            if request.plover is not None:
                continue
            overlap = _overlap((request.start, request.end), (item.start, item.end))
            if overlap > best_overlap:
                best, best_overlap = position, overlap
        if best is None:
            merged.append(item)
        else:
            merged[best] = TriggerRequest(
                merged[best].sentence,
                merged[best].event_type,
                merged[best].start,
                merged[best].end,
                merged[best].confidence,
                item.plover,
                item.plover_confidence,
            )
    every = [request for group in by_sentence.values() for request in group]
    return sorted(every, key=lambda r: (r.sentence, r.start, r.end))


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
        self.quantized = False  # set when the encoder runs in int8 (quantize.py)
        self.clock = ModelClock()
        self._masks = {t: torch.tensor(labels.argument_label_mask(t)) for t in labels.event_types}
        #: Roles an event with an unknown (or no) tagger type may take: Time and Place.
        self._fallback = torch.tensor(labels.argument_label_mask(""))
        self._allowed: dict[str, np.ndarray] = {}
        self._shared_types: dict[str, bool] = {}
        self._outside_id = labels.argument_labels.index(OUTSIDE)

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
        return [types for types, _ in self.trigger_outputs(pieces)]

    def trigger_outputs(
        self, pieces: list[list[list[int]]]
    ) -> list[tuple[torch.Tensor, torch.Tensor | None]]:
        """Per sentence, (words x event-type labels) and (words x PLOVER labels, or None)
        probabilities; long sentences windowed, each word taken from its window's core."""
        return self.trigger_pass(pieces)[0]

    def trigger_pass(
        self, pieces: list[list[list[int]]]
    ) -> tuple[list[tuple[torch.Tensor, torch.Tensor | None]], list[SentenceWindow]]:
        """``trigger_outputs`` and the windows it read (with their states for the light
        argument pass, which reuses them instead of encoding the sentence again)."""
        windows: list[SentenceWindow] = []
        for sentence, words in enumerate(pieces):
            counts = [len(w) for w in words]
            for planned in plan_windows(counts, self.encoder.max_pieces - 2):
                windows.append(
                    SentenceWindow(
                        sentence, planned.start, planned.core_start, planned.core_end,
                        self.encoder.trigger_input(words[planned.start : planned.end]),
                    )
                )  # fmt: skip
        probs = _run_triggers(
            self.model,
            [w.input for w in windows],
            self.encoder.pad_id,
            self.token_budget,
            self.device,
            self.clock,
        )
        coder = self.labels.has_plover and self.model.plover_trigger_head is not None
        types = [torch.zeros(len(words), len(self.labels.trigger_labels)) for words in pieces]
        plover = [
            torch.zeros(len(words), len(self.labels.plover_trigger_labels)) if coder else None
            for words in pieces
        ]
        kept = []
        for window, (type_probs, plover_probs, states) in zip(windows, probs, strict=True):
            core = slice(window.core_start - window.start, window.core_end - window.start)
            types[window.sentence][window.core_start : window.core_end] = type_probs[core]
            target = plover[window.sentence]
            if target is not None and plover_probs is not None:
                target[window.core_start : window.core_end] = plover_probs[core]
            kept.append(dataclasses.replace(window, states=states))
        return list(zip(types, plover, strict=True)), kept

    def decode_triggers(
        self, probs: Sequence[torch.Tensor], threshold: float
    ) -> list[list[TriggerRequest]]:
        """Trigger spans of each sentence (``sentence`` -1), decoded together: a word's
        confidence is P(B-type) + P(I-type)."""
        return [
            [TriggerRequest(-1, name, start, end, conf) for start, end, name, conf in spans]
            for spans in _decode_spans(probs, self.labels.trigger_labels, threshold)
        ]

    def decode_plover(
        self, probs: Sequence[torch.Tensor], threshold: float
    ) -> list[list[TriggerRequest]]:
        """PLOVER-category trigger spans of each sentence, as events with no tagger type,
        decoded together."""
        return [
            [TriggerRequest(-1, "", start, end, conf, name, conf) for start, end, name, conf in
             spans]
            for spans in _decode_spans(probs, self.labels.plover_trigger_labels, threshold)
        ]  # fmt: skip

    # -- argument pass ------------------------------------------------------------------

    def event_details(
        self,
        pieces: list[list[list[int]]],
        requests: Sequence[TriggerRequest],
        threshold: float,
        plover_threshold: float | None = None,
        mode_threshold: float | None = None,
        windows: list[SentenceWindow] | None = None,
    ) -> list[tuple[tuple[WordArgument, ...], WordPlover | None]]:
        """Arguments and PLOVER coding of each requested event: one model input per event
        (the full pass), or the light pass over ``windows`` (the trigger pass's; encoded
        here when not given)."""
        if not requests:
            return []
        allowed = [self._allowed_ids(request.event_type) for request in requests]
        if self.model.light is not None:
            if windows is None or any(w.states is None for w in windows):
                windows = self.trigger_pass(pieces)[1]
            items, offsets = self._locate(requests, windows)
            probs = _run_arguments(
                self.model, [item for item, _ in items], [states for _, states in items],
                self.encoder.pad_id, self.token_budget, self.device, allowed, self.clock,
            )  # fmt: skip
        else:
            inputs, offsets = [], []
            for request in requests:
                words = pieces[request.sentence]
                counts = [len(w) for w in words]
                name = segment_name(request.event_type, request.plover)
                budget = self.encoder.max_pieces - self.encoder.argument_overhead(name)
                left, right = window_around(counts, request.start, request.end, budget)
                inputs.append(
                    self.encoder.argument_input(
                        words[left:right], request.start - left, request.end - left, name
                    )
                )
                offsets.append(left)
            probs = _run_arguments(
                self.model, inputs, None, self.encoder.pad_id, self.token_budget, self.device,
                allowed, self.clock,
            )  # fmt: skip
        side_threshold = (
            self.metadata.plover_role_threshold if plover_threshold is None else plover_threshold
        )
        mode_cut = self.metadata.mode_threshold if mode_threshold is None else mode_threshold
        typed = [i for i, request in enumerate(requests) if request.event_type]
        role_spans = dict(zip(typed, self._argument_spans(
            [probs[i].roles for i in typed], [requests[i].event_type for i in typed], threshold
        ), strict=True))  # fmt: skip
        sides = {
            i: p.plover_roles
            for i, (r, p) in enumerate(zip(requests, probs, strict=True))
            if r.plover and p.plover_roles is not None
        }
        side_spans = dict(zip(sides, _decode_spans(
            list(sides.values()), self.labels.plover_role_labels, side_threshold
        ), strict=True))  # fmt: skip
        return [
            self._details(
                request, offsets[i], probs[i], role_spans.get(i, []), side_spans.get(i), mode_cut
            )
            for i, request in enumerate(requests)
        ]

    def _locate(
        self, requests: Sequence[TriggerRequest], windows: list[SentenceWindow]
    ) -> tuple[list[tuple[EncodedInput, torch.Tensor]], list[int]]:
        """For the light pass: each event's window (the one whose core holds its trigger's
        first word), located input and states, and the window's first word."""
        by_sentence: dict[int, list[SentenceWindow]] = {}
        for window in windows:
            by_sentence.setdefault(window.sentence, []).append(window)
        items, offsets = [], []
        for request in requests:
            window = next(
                (w for w in by_sentence[request.sentence]
                 if w.core_start <= request.start < w.core_end),
                by_sentence[request.sentence][-1],
            )  # fmt: skip
            assert window.states is not None
            located = self.encoder.locate_trigger(
                window.input,
                request.start - window.start,
                request.end - window.start,
                self.labels.type_id(request.event_type),
                self.labels.plover_id(request.plover),
            )
            items.append((located, window.states))
            offsets.append(window.start)
        return items, offsets

    def _details(
        self,
        request: TriggerRequest,
        left: int,
        window: ArgumentProbabilities,
        roles: list[Span],
        sides: list[Span] | None,
        mode_cut: float,
    ) -> tuple[tuple[WordArgument, ...], WordPlover | None]:
        """One event's arguments and PLOVER coding from its decoded role and side spans
        (window words; ``left`` is the window's first word) and its mode probabilities."""
        trigger = (request.start - left, request.end - left)
        arguments = tuple(
            WordArgument(name, start + left, end + left, conf)
            for start, end, name, conf in roles
            if (start, end) != trigger
        )
        if not request.plover or sides is None:
            return arguments, None
        found = [
            WordArgument(name, start + left, end + left, conf)
            for start, end, name, conf in sides
            if (start, end) != trigger
        ]
        modes: tuple[str, ...] = ()
        if window.modes is not None and self.labels.mode_names:
            modes = tuple(
                name.split(".", 1)[1]
                for name, allowed, p in zip(
                    self.labels.mode_names,
                    self.labels.mode_mask(request.plover),
                    window.modes.tolist(),
                    strict=False,
                )
                if allowed and p >= mode_cut
            )
        return arguments, WordPlover(
            request.plover,
            request.plover_confidence,
            tuple(s for s in found if s.role == "actor"),
            tuple(s for s in found if s.role == "recipient"),
            modes,
        )

    def _argument_spans(
        self, probs: list[torch.Tensor], event_types: list[str], threshold: float
    ) -> list[list[Span]]:
        """Role spans of each event from its probabilities over the labels its type allows
        (words x ``_allowed_ids``, as ``_run_arguments`` gives them): the best valid BIO
        labelling, a word's confidence the probability of its label.

        Each type's allowed labels, in label order, read ``O, B-r1, I-r1, B-r2, I-r2, ...``
        (``bio_labels``), so every event's matrix is laid out alike: its own columns, then
        ``-inf`` columns up to the widest type's count. One decoding of all events over that
        shared layout (a few dozen columns) gives each the path its own labels give (a
        ``-inf`` column is never chosen, and the layout keeps label order, so ties break the
        same way). A type whose labels do not read so is decoded alone over its own."""
        values = [p.numpy() for p in probs]  # CPU tensors; numpy's small ops cost less
        allowed = [self._allowed_ids(event_type) for event_type in event_types]
        paths: list[list[int]] = [[] for _ in probs]  # positions in the event's own columns
        shared: list[int] = []
        alone: dict[str, list[int]] = {}  # event type -> its events, decoded together
        for position, event_type in enumerate(event_types):
            if self._type_in_shared_layout(event_type):
                shared.append(position)
            else:
                alone.setdefault(event_type, []).append(position)
        found = _shared_layout_paths([values[i] for i in shared])
        for position, path in zip(shared, found, strict=True):
            paths[position] = path
        for positions in alone.values():
            ids = allowed[positions[0]].tolist()
            names = [self.labels.argument_labels[i] for i in ids]
            found = best_bio_paths([_log(values[i]) for i in positions], names)
            for position, path in zip(positions, found, strict=True):
                paths[position] = path
        spans: list[list[Span]] = []
        for matrix, ids, path in zip(values, allowed, paths, strict=True):
            chosen = ids[path] if path else ids[:0]
            if not (chosen != self._outside_id).any():
                spans.append([])  # all O: no span (most events' paths are mostly O)
                continue
            confidences = matrix[np.arange(len(path)), path].tolist()
            spans.append(
                [
                    (s.start, s.end, s.name, s.confidence)
                    for s in decode_bio(
                        chosen.tolist(), confidences, self.labels.argument_labels, threshold
                    )
                ]
            )
        return spans

    def _type_in_shared_layout(self, event_type: str) -> bool:
        """Whether ``event_type``'s allowed labels read ``O`` then ``B-r``, ``I-r`` pairs
        (checked once per type)."""
        if event_type not in self._shared_types:
            self._shared_types[event_type] = self._in_shared_layout(self._allowed_ids(event_type))
        return self._shared_types[event_type]

    def _in_shared_layout(self, allowed: np.ndarray) -> bool:
        """Whether labels ``allowed`` read ``O`` then ``B-r``, ``I-r`` pairs."""
        names = tuple(self.labels.argument_labels[i] for i in allowed.tolist())
        return _reads_as_bio_pairs(names)

    def _allowed_ids(self, event_type: str) -> np.ndarray:
        """The argument label ids an event of ``event_type`` may take, in label order."""
        if event_type not in self._allowed:
            self._allowed[event_type] = self.argument_mask(event_type).nonzero().flatten().numpy()
        return self._allowed[event_type]

    def argument_mask(self, event_type: str) -> torch.Tensor:
        """Which argument labels an event of ``event_type`` may take (built once per model)."""
        return self._masks.get(event_type, self._fallback)

    # -- both ---------------------------------------------------------------------------

    def predict(
        self,
        sentences: Sequence[Sequence[str]],
        gold_triggers: Sequence[Sequence[WordEvent]] | None = None,
        trigger_threshold: float | None = None,
        argument_threshold: float | None = None,
        plover_threshold: float | None = None,
        plover_role_threshold: float | None = None,
    ) -> list[list[WordEvent]]:
        """Events of each sentence (words); with ``gold_triggers`` only arguments (and the
        PLOVER sides and modes of the gold categories) are predicted."""
        t_threshold = (
            self.metadata.trigger_threshold if trigger_threshold is None else trigger_threshold
        )
        a_threshold = (
            self.metadata.argument_threshold if argument_threshold is None else argument_threshold
        )
        p_threshold = (
            self.metadata.plover_threshold if plover_threshold is None else plover_threshold
        )
        pieces = self.encoder.sentence_pieces(sentences)
        requests: list[TriggerRequest] = []
        windows: list[SentenceWindow] | None = None
        if gold_triggers is None:
            coded: list[TriggerRequest] = []
            outputs, windows = self.trigger_pass(pieces)
            found = self.decode_triggers([types for types, _ in outputs], t_threshold)
            for sentence, spans in enumerate(found):
                requests += [
                    TriggerRequest(sentence, r.event_type, r.start, r.end, r.confidence)
                    for r in spans
                ]
            with_coder = {i: plover for i, (_, plover) in enumerate(outputs) if plover is not None}
            categories = self.decode_plover(list(with_coder.values()), p_threshold)
            for sentence, spans in zip(with_coder, categories, strict=True):
                coded += [
                    TriggerRequest(sentence, "", r.start, r.end, r.confidence, r.plover,
                                   r.plover_confidence)
                    for r in spans
                ]  # fmt: skip
            requests = attach_plover(requests, coded)
        else:
            for sentence, events in enumerate(gold_triggers):
                requests += [
                    TriggerRequest(
                        sentence,
                        e.event_type,
                        e.start,
                        e.end,
                        plover=e.plover.category if e.plover and self.labels.has_plover else None,
                    )
                    for e in events
                ]
        details = self.event_details(
            pieces, requests, a_threshold, plover_role_threshold, windows=windows
        )
        out: list[list[WordEvent]] = [[] for _ in sentences]
        for request, (args, coding) in zip(requests, details, strict=True):
            confidence = request.confidence if request.event_type else request.plover_confidence
            event = WordEvent(
                request.event_type,
                request.start,
                request.end,
                _rounded(confidence),
                tuple(_rounded_argument(a) for a in args),
                None if coding is None else _rounded_coding(coding),
            )
            out[request.sentence].append(event)
        return out


@lru_cache(maxsize=1024)
def _reads_as_bio_pairs(names: tuple[str, ...]) -> bool:
    """``O`` first, then ``B-r``, ``I-r`` pairs: the layout ``bio_labels`` builds."""
    pairs = zip(names[1::2], names[2::2], strict=False)
    return (
        len(names) % 2 == 1
        and names[0] == OUTSIDE
        and all(b[:2] == "B-" and i == f"I-{b[2:]}" for b, i in pairs)
    )


def _rounded(value: float) -> float:
    return round(value, CONFIDENCE_DIGITS)


def _rounded_argument(argument: WordArgument) -> WordArgument:
    return WordArgument(argument.role, argument.start, argument.end, _rounded(argument.confidence))


def _rounded_coding(coding: WordPlover) -> WordPlover:
    return WordPlover(
        coding.category,
        _rounded(coding.confidence),
        tuple(_rounded_argument(a) for a in coding.actor),
        tuple(_rounded_argument(a) for a in coding.recipient),
        coding.modes,
    )


def _shared_layout_paths(matrices: list[np.ndarray]) -> list[list[int]]:
    """Best valid BIO paths of probability matrices whose columns read ``O, B-r1, I-r1,
    ...`` (each its own count of pairs), decoded together in one (words x widest) array
    whose missing columns are ``-inf``; see ``WordTagger._argument_spans``."""
    if not matrices:
        return []
    lengths = np.array([len(m) for m in matrices], dtype=np.int64)
    counts = np.array([m.shape[1] for m in matrices], dtype=np.int64)
    width = int(counts.max())
    flat = np.zeros((int(lengths.sum()), width), dtype=np.float32)
    offset = 0
    for matrix in matrices:
        flat[offset : offset + len(matrix), : matrix.shape[1]] = matrix
        offset += len(matrix)
    log_probs = _log(flat)
    log_probs[np.arange(width)[None, :] >= np.repeat(counts, lengths)[:, None]] = -np.inf
    layout = bio_labels([str(pair) for pair in range((width - 1) // 2)])
    return best_bio_paths_flat(log_probs, lengths, layout)


def _log(probs: np.ndarray) -> np.ndarray:
    """Log-probabilities for decoding, a zero probability kept finite."""
    return np.log(np.maximum(probs, np.float32(1e-9)))


#: A decoded span within its sentence or window: start word, end word, name, confidence.
Span = tuple[int, int, str, float]


def _decode_spans(
    probs: Sequence[torch.Tensor], labels: list[str], threshold: float
) -> list[list[Span]]:
    """Per (words x labels) matrix of ``probs``, the spans of its best valid BIO path
    (decoded for all at once); a word's confidence is P(B-name) + P(I-name) for its chosen
    name, P(O) outside."""
    if not probs:  # e.g. no sentence has PLOVER outputs: a model without a coder
        return []
    paths = best_bio_paths([_log(p.numpy()) for p in probs], labels)
    begin, inside, _ = bio_partner_arrays(tuple(labels))
    out: list[list[Span]] = []
    for matrix, path in zip(probs, paths, strict=True):
        if not path:
            out.append([])
            continue
        ids = np.array(path)
        values = matrix.numpy()
        rows = np.arange(len(ids))
        # The word's P(B-name) + P(I-name); for O, begin and inside are both O's id.
        b, i = begin[ids], inside[ids]
        confidences = values[rows, b] + np.where(i != b, values[rows, i], np.float32(0.0))
        out.append(
            [
                (s.start, s.end, s.name, s.confidence)
                for s in decode_bio(path, confidences.tolist(), labels, threshold)
            ]
        )
    return out

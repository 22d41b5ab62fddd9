"""The tagger: articles in, events with exact character offsets out.

A spaCy-like pipeline of small pieces, each testable alone:

1. ``sentences.split_sentences`` cuts the text into sentence spans (offsets kept);
2. ``words.word_spans`` cuts each sentence into words (offsets kept);
3. ``inference.WordTagger`` finds triggers and arguments by word index, for every
   sentence of every article in one token-budget batched run;
4. word indices become character spans (never a string search), then ``timenorm`` and
   ``places`` turn the event's time and place into normalized values and ``plover`` codes it.

Batching many articles gives the same events as extracting them one at a time: the model
sees each sentence on its own, whatever else is in the batch.
"""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import torch

from shared.schemas import (
    Argument,
    Article,
    Event,
    EventPlace,
    EventTime,
    ExtractionResult,
    ModelInfo,
    PloverCoding,
    Span,
)
from shared.settings import get_settings, model_dir
from workers.device import choose_device
from workers.tagger.inference import WordArgument, WordEvent, WordTagger
from workers.tagger.places import find_place_mentions, make_event_place, normalize_place
from workers.tagger.plover import to_plover
from workers.tagger.quantize import quantize_encoder, wants_int8
from workers.tagger.sentences import split_sentences
from workers.tagger.timenorm import find_time_expressions, make_event_time
from workers.tagger.words import word_spans

#: Roles whose filler is where the event happened (its ``place``), best first.
PLACE_ROLES = ("Place", "Goal", "Location", "Destination", "Area")
#: Default token budgets, measured with ``make bench-tagger`` (see the README).
CPU_TOKEN_BUDGET = 1024
GPU_TOKEN_BUDGET = 8192
#: Roles whose filler is when it happened.
TIME_ROLES = ("Time",)


@dataclass(frozen=True)
class SentenceWords:
    """One sentence of one article: its index and the character span of each word."""

    article: int
    index: int
    start: int
    end: int
    words: list[tuple[int, int]]


class _SentenceMentions:
    """The date expressions and known place names of one sentence, each found on first use
    and shared by the sentence's events (a sentence with several events is searched once)."""

    def __init__(self, text: str, sentence: SentenceWords) -> None:
        self.text, self.sentence = text, sentence

    @cached_property
    def times(self) -> list[tuple[int, int]]:
        return find_time_expressions(self.text, self.sentence.start, self.sentence.end)

    @cached_property
    def places(self) -> list[tuple[int, int]]:
        return find_place_mentions(self.text, self.sentence.start, self.sentence.end)


def default_budget(device: torch.device) -> int:
    """Padded pieces per batch: small on CPU, where padding is paid in full, wide on GPU."""
    return GPU_TOKEN_BUDGET if device.type == "cuda" else CPU_TOKEN_BUDGET


def _char_span(words: list[tuple[int, int]], start: int, end: int) -> tuple[int, int]:
    """Character offsets of words ``start:end`` (word indices, end exclusive)."""
    return words[start][0], words[end - 1][1]


def _nearest(spans: list[tuple[int, int]], anchor: int) -> tuple[int, int] | None:
    return min(spans, key=lambda s: (abs(s[0] - anchor), s[0])) if spans else None


class Tagger:
    """Extracts events from articles with a trained model directory."""

    def __init__(self, word_tagger: WordTagger) -> None:
        self.word_tagger = word_tagger
        meta = word_tagger.metadata
        self.info = ModelInfo(name=meta.name, version=meta.version)

    @classmethod
    def load(
        cls,
        model_path: Path | str | None = None,
        device: str = "auto",
        token_budget: int | None = None,
        quantize: str | None = None,
    ) -> Tagger:
        """Load a model directory or a model by name (``default``, ``accurate``; default:
        the settings, else the bundled default model); ``quantize`` (default: the setting)
        chooses int8 on CPU (``quantize.py``)."""
        settings = get_settings()
        path = model_dir(model_path) if model_path else settings.model_path
        choice = choose_device(device)
        torch_device, dtype = torch.device(choice.device), choice.dtype
        word_tagger = WordTagger.load(
            path,
            torch_device,
            dtype,
            token_budget or settings.token_budget or default_budget(torch_device),
        )
        if wants_int8(quantize or settings.quantize, torch_device):
            quantize_encoder(word_tagger.model)
            word_tagger.quantized = True
        # The model, torch and transformers leave ~400,000 objects that live as long as the
        # process; the cyclic collector rescanned them all at every full collection during
        # extraction (0.2 of 0.9 s outside the model per 32 articles on CPU). Frozen, only
        # objects made later are scanned.
        gc.collect()
        gc.freeze()
        return cls(word_tagger)

    @property
    def device(self) -> str:
        return str(self.word_tagger.device)

    def extract(self, articles: Sequence[Article]) -> list[ExtractionResult]:
        """Events of each article, in input order."""
        sentences = [
            SentenceWords(number, index, start, end, word_spans(article.text, start, end))
            for number, article in enumerate(articles)
            for index, (start, end) in enumerate(split_sentences(article.text))
        ]
        sentences = [s for s in sentences if s.words]
        predicted = self.word_tagger.predict(
            [[articles[s.article].text[a:b] for a, b in s.words] for s in sentences]
        )
        events: list[list[Event]] = [[] for _ in articles]
        for sentence, word_events in zip(sentences, predicted, strict=True):
            article = articles[sentence.article]
            mentions = _SentenceMentions(article.text, sentence)
            for word_event in word_events:
                events[sentence.article].append(
                    self._event(article, sentence, word_event, mentions)
                )
        return [
            ExtractionResult(article_id=a.id, model=self.info, events=e)
            for a, e in zip(articles, events, strict=True)
        ]

    def _event(
        self,
        article: Article,
        sentence: SentenceWords,
        event: WordEvent,
        mentions: _SentenceMentions,
    ) -> Event:
        text, words = article.text, sentence.words
        t_start, t_end = _char_span(words, event.start, event.end)
        arguments = []
        for argument in event.arguments:
            a_start, a_end = _char_span(words, argument.start, argument.end)
            arguments.append(
                Argument(
                    role=argument.role,
                    text=text[a_start:a_end],
                    start=a_start,
                    end=a_end,
                    confidence=argument.confidence,
                )
            )
        return Event(
            type=event.event_type or (event.plover.category if event.plover else ""),
            trigger=Span(text=text[t_start:t_end], start=t_start, end=t_end),
            confidence=event.confidence,
            sentence=sentence.index,
            arguments=arguments,
            time=self._time(article, mentions, arguments, t_start),
            place=self._place(text, mentions, arguments, t_start),
            plover=self._plover(text, words, event, arguments, text[t_start:t_end]),
        )

    def _plover(
        self,
        text: str,
        words: list[tuple[int, int]],
        event: WordEvent,
        arguments: list[Argument],
        trigger: str,
    ) -> PloverCoding | None:
        """The learned coder's PLOVER coding; a model without one falls back to the frame map."""
        if not self.word_tagger.labels.has_plover:
            return to_plover(event.event_type, arguments, trigger=trigger)
        if event.plover is None:
            return None

        def spans(sides: tuple[WordArgument, ...]) -> list[Span]:
            out = []
            for side in sides:
                start, end = _char_span(words, side.start, side.end)
                out.append(Span(text=text[start:end], start=start, end=end))
            return out

        return PloverCoding(
            type=event.plover.category,
            actor=spans(event.plover.actor),
            recipient=spans(event.plover.recipient),
            mode=list(event.plover.modes),
            confidence=event.plover.confidence,
        )

    @staticmethod
    def _time(
        article: Article, mentions: _SentenceMentions, arguments: list[Argument], anchor: int
    ) -> EventTime | None:
        """From a Time argument, else the date expression of the sentence nearest the trigger."""
        reference: dt.date | None = article.reference_date()
        for argument in arguments:
            if argument.role in TIME_ROLES:
                return make_event_time(article.text, argument.start, argument.end, reference)
        nearest = _nearest(mentions.times, anchor)
        if nearest is None:
            return None
        return make_event_time(article.text, nearest[0], nearest[1], reference)

    @staticmethod
    def _place(
        text: str, mentions: _SentenceMentions, arguments: list[Argument], anchor: int
    ) -> EventPlace | None:
        """From a Place-like argument naming a known place, else the nearest known place in
        the sentence that is not inside a participant (so "Russian forces" is no place)."""
        by_role = {a.role: a for a in arguments}
        if "Place" in by_role:
            return make_event_place(text, by_role["Place"].start, by_role["Place"].end)
        for role in PLACE_ROLES[1:]:
            argument = by_role.get(role)
            if argument and normalize_place(argument.text)[1] is not None:
                return make_event_place(text, argument.start, argument.end)
        taken = [(a.start, a.end) for a in arguments if a.role not in PLACE_ROLES]
        free = [(s, e) for s, e in mentions.places if not any(a <= s and e <= b for a, b in taken)]
        nearest = _nearest(free, anchor)
        return make_event_place(text, nearest[0], nearest[1]) if nearest else None

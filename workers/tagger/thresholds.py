"""Choosing the trigger and argument confidence thresholds on a validation split.

The model's argmax alone over-triggers on news (the training data has no sentences without
events), so a word becomes a trigger only when its event-type confidence reaches a
threshold; likewise for argument spans. Both are picked for the best F1 on validation and
stored in the model's metadata. Run after training to re-tune a model directory:

    python -m workers.tagger.thresholds --model DIR --data VAL.jsonl
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from collections.abc import Callable
from pathlib import Path

import torch

from workers.tagger.geneva import GoldEvent, Sentence, read_sentences
from workers.tagger.inference import WordArgument, WordEvent, WordPlover, WordTagger
from workers.tagger.model_io import METADATA_FILE
from workers.tagger.scoring import score_events

TRIGGER_GRID = [round(0.2 + 0.05 * i, 2) for i in range(14)]
ARGUMENT_GRID = [round(0.1 + 0.05 * i, 2) for i in range(13)]


def gold_events(sentences: list[Sentence]) -> list[list[WordEvent]]:
    """Gold events in the scorer's form (with their PLOVER coding where annotated)."""
    return [
        [
            WordEvent(
                e.event_type,
                e.start,
                e.end,
                1.0,
                tuple(WordArgument(a.role, a.start, a.end) for a in e.arguments),
                _gold_coding(e),
            )
            for e in s.events
        ]
        for s in sentences
    ]


def _gold_coding(event: GoldEvent) -> WordPlover | None:
    if event.plover is None:
        return None
    sides = [WordArgument(a.role, a.start, a.end) for a in event.plover_roles]
    return WordPlover(
        event.plover,
        1.0,
        tuple(a for a in sides if a.role == "actor"),
        tuple(a for a in sides if a.role == "recipient"),
        event.plover_modes,
    )


def tune_plover_threshold(tagger: WordTagger, sentences: list[Sentence]) -> float:
    """The PLOVER category threshold with the best category macro-F1."""
    from workers.tagger.plover_scoring import score_plover

    gold = gold_events(sentences)
    pieces = tagger.encoder.sentence_pieces([s.tokens for s in sentences])
    outputs = tagger.trigger_outputs(pieces)
    # The decoded path does not depend on the threshold, which only drops spans below it:
    # decode once at 0 and filter for each grid value.
    coded = {i: plover for i, (_, plover) in enumerate(outputs) if plover is not None}
    decoded = dict(zip(coded, tagger.decode_plover(list(coded.values()), 0.0), strict=True))

    def f1_at(threshold: float) -> float:
        predicted = [
            [
                WordEvent("", r.start, r.end, r.confidence, (), WordPlover(str(r.plover)))
                for r in decoded.get(sentence, [])
                if r.confidence >= threshold
            ]
            for sentence in range(len(outputs))
        ]
        return score_plover(gold, predicted).macro_f1

    return _best_threshold(TRIGGER_GRID, 0.5, f1_at)


def tune_trigger_threshold(tagger: WordTagger, sentences: list[Sentence]) -> float:
    """The trigger threshold with the best trigger classification F1."""
    gold = gold_events(sentences)
    pieces = tagger.encoder.sentence_pieces([s.tokens for s in sentences])
    decoded = tagger.decode_triggers(tagger.trigger_probabilities(pieces), 0.0)

    def f1_at(threshold: float) -> float:
        predicted = [
            [WordEvent(r.event_type, r.start, r.end) for r in spans if r.confidence >= threshold]
            for spans in decoded
        ]
        return score_events(gold, predicted)["trigger_classification"].f1

    return _best_threshold(TRIGGER_GRID, 0.5, f1_at)


def _best_threshold(grid: list[float], default: float, f1_at: Callable[[float], float]) -> float:
    """The grid value with the highest ``f1_at`` (the first on ties)."""
    best, best_f1 = default, -1.0
    for threshold in grid:
        f1 = f1_at(threshold)
        if f1 > best_f1:
            best, best_f1 = threshold, f1
    return best


def _confident(sides: tuple[WordArgument, ...], threshold: float) -> tuple[WordArgument, ...]:
    return tuple(a for a in sides if a.confidence >= threshold)


def tune_plover_role_threshold(tagger: WordTagger, sentences: list[Sentence]) -> float:
    """The actor/recipient threshold with the best summed actor and recipient F1."""
    from workers.tagger.plover_scoring import score_plover

    gold = gold_events(sentences)
    predicted = tagger.predict([s.tokens for s in sentences], plover_role_threshold=0.0)

    def f1_at(threshold: float) -> float:
        kept = [
            [
                dataclasses.replace(
                    e,
                    plover=dataclasses.replace(
                        e.plover,
                        actor=_confident(e.plover.actor, threshold),
                        recipient=_confident(e.plover.recipient, threshold),
                    ),
                )
                if e.plover
                else e
                for e in events
            ]
            for events in predicted
        ]
        report = score_plover(gold, kept)
        return report.actor.f1 + report.recipient.f1

    return _best_threshold(ARGUMENT_GRID, 0.3, f1_at)


def tune_argument_threshold(tagger: WordTagger, sentences: list[Sentence]) -> float:
    """The argument threshold with the best end-to-end argument classification F1."""
    gold = gold_events(sentences)
    predicted = tagger.predict([s.tokens for s in sentences], argument_threshold=0.0)

    def f1_at(threshold: float) -> float:
        kept = [
            [dataclasses.replace(e, arguments=_confident(e.arguments, threshold)) for e in events]
            for events in predicted
        ]
        return score_events(gold, kept)["argument_classification"].f1

    return _best_threshold(ARGUMENT_GRID, 0.3, f1_at)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="tune a model directory's thresholds")
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--data", type=Path, required=True)
    args = parser.parse_args(argv)
    tagger = WordTagger.load(args.model, torch.device("cpu"))
    sentences = read_sentences(args.data)
    tagger.metadata.trigger_threshold = tune_trigger_threshold(tagger, sentences)
    tagger.metadata.argument_threshold = tune_argument_threshold(tagger, sentences)
    path = args.model / METADATA_FILE
    metadata = json.loads(path.read_text())
    metadata["trigger_threshold"] = tagger.metadata.trigger_threshold
    metadata["argument_threshold"] = tagger.metadata.argument_threshold
    path.write_text(json.dumps(metadata, indent=1))
    print(
        json.dumps(
            {
                "trigger_threshold": metadata["trigger_threshold"],
                "argument_threshold": metadata["argument_threshold"],
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Threshold tuning decodes once and filters by confidence: the same choice as decoding
again at every grid value (the decoded path does not depend on the threshold)."""

from __future__ import annotations

from workers.tagger.extra_data import extra_sentence_files
from workers.tagger.geneva import read_sentences
from workers.tagger.inference import WordEvent
from workers.tagger.news_corpus import load_split
from workers.tagger.news_corpus.tokens import to_sentence
from workers.tagger.scoring import score_events
from workers.tagger.tagger import Tagger
from workers.tagger.thresholds import (
    TRIGGER_GRID,
    gold_events,
    tune_plover_threshold,
    tune_trigger_threshold,
)


def _decoded_again_at_each(f1_at):  # type: ignore[no-untyped-def]
    best, best_f1 = 0.5, -1.0
    for threshold in TRIGGER_GRID:
        f1 = f1_at(threshold)
        if f1 > best_f1:
            best, best_f1 = threshold, f1
    return best


def test_the_trigger_threshold_is_the_one_decoding_at_each_value_picks(tagger: Tagger) -> None:
    words = tagger.word_tagger
    [path] = [p for p in extra_sentence_files() if p.name == "news_events.jsonl"]
    sentences = read_sentences(path)[:60]
    gold = gold_events(sentences)
    probs = words.trigger_probabilities([words.encoder.word_pieces(s.tokens) for s in sentences])

    def f1_at(threshold: float) -> float:
        predicted = [
            [WordEvent(r.event_type, r.start, r.end) for r in spans]
            for spans in words.decode_triggers(probs, threshold)
        ]
        return score_events(gold, predicted)["trigger_classification"].f1

    assert tune_trigger_threshold(words, sentences) == _decoded_again_at_each(f1_at)


def test_the_plover_threshold_is_the_one_decoding_at_each_value_picks(tagger: Tagger) -> None:
    from workers.tagger.inference import WordPlover
    from workers.tagger.plover_scoring import score_plover

    words = tagger.word_tagger
    sentences = [to_sentence(s) for s in load_split("dev")[:80]]
    gold = gold_events(sentences)
    outputs = words.trigger_outputs([words.encoder.word_pieces(s.tokens) for s in sentences])

    def f1_at(threshold: float) -> float:
        coded = {i: plover for i, (_, plover) in enumerate(outputs) if plover is not None}
        found = dict(zip(coded, words.decode_plover(list(coded.values()), threshold), strict=True))
        predicted = [
            [
                WordEvent("", r.start, r.end, r.confidence, (), WordPlover(str(r.plover)))
                for r in found.get(sentence, [])
            ]
            for sentence in range(len(outputs))
        ]
        return score_plover(gold, predicted).macro_f1

    assert tune_plover_threshold(words, sentences) == _decoded_again_at_each(f1_at)

"""Nothing is truncated: sentences longer than the model's window are split into
overlapping windows and every word is still read."""

from __future__ import annotations

import torch

from shared.schemas import Article
from workers.tagger.tagger import Tagger
from workers.tagger.windows import plan_windows


def test_every_word_of_a_very_long_sentence_gets_probabilities(tagger: Tagger) -> None:
    words = [f"word{i % 97}" for i in range(1500)]
    word_tagger = tagger.word_tagger
    pieces = [word_tagger.encoder.word_pieces(words)]
    assert len(plan_windows([len(p) for p in pieces[0]], word_tagger.encoder.max_pieces - 2)) > 1
    [probs] = word_tagger.trigger_probabilities(pieces)
    assert probs.shape[0] == len(words)
    assert torch.allclose(probs.sum(-1), torch.ones(len(words)), atol=1e-3)


def test_event_at_the_end_of_a_long_sentence_is_found(tagger: Tagger) -> None:
    filler = ", ".join(f"item number {i} of the long list" for i in range(120))
    clause = "and White House envoy Steve Witkoff traveled to Moscow on Tuesday"
    text = f"The report listed {filler} {clause}."
    [result] = tagger.extract([Article(id="long", text=text, published_at="2025-12-06")])
    start = text.index("traveled")
    found = [e for e in result.events if e.trigger.start == start]
    assert found, [(e.type, e.trigger.text) for e in result.events]
    assert found[0].trigger.text == "traveled"
    pieces = tagger.word_tagger.encoder.word_pieces(text.split())
    assert sum(len(p) for p in pieces) > 256

"""Word pieces: one tokenizer call for many sentences gives each sentence the pieces it
gets alone (the tagger tokenizes a whole batch at once; evaluation and training go
sentence by sentence)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from workers.tagger.encoding import MAX_PIECES_PER_WORD
from workers.tagger.tagger import Tagger

WORDS = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=12
)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(WORDS, max_size=8), max_size=6))
def test_batched_pieces_equal_one_sentence_at_a_time(
    tagger: Tagger, sentences: list[list[str]]
) -> None:
    encoder = tagger.word_tagger.encoder
    batched = encoder.sentence_pieces(sentences)
    assert batched == [encoder.sentence_pieces([words])[0] for words in sentences]
    for words, pieces in zip(sentences, batched, strict=True):
        assert len(pieces) == len(words)
        assert all(1 <= len(p) <= MAX_PIECES_PER_WORD for p in pieces)


def test_dropped_word_becomes_unknown(tagger: Tagger) -> None:
    encoder = tagger.word_tagger.encoder
    [pieces] = encoder.sentence_pieces([["talks", "\u200b", "ended"]])
    assert pieces[1] == [encoder.unk_id]
    assert encoder.word_pieces(["talks", "\u200b", "ended"]) == pieces

"""The word tokenizer keeps exact offsets on any text."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from workers.tagger.words import word_spans


@given(st.text())
def test_words_are_exact_non_space_and_ordered(text: str) -> None:
    spans = word_spans(text)
    previous_end = 0
    for start, end in spans:
        assert previous_end <= start < end <= len(text)
        assert text[start:end].strip() == text[start:end]
        previous_end = end
    # nothing but whitespace is left out
    kept = set().union(*(range(s, e) for s, e in spans)) if spans else set()
    assert all(text[i].isspace() or i in kept for i in range(len(text)))


def test_clitics_numbers_and_punctuation() -> None:
    text = "Kyiv's envoys didn't sign the $1,200.50 deal."
    words = [text[s:e] for s, e in word_spans(text)]
    assert words == [
        "Kyiv",
        "'s",
        "envoys",
        "did",
        "n't",
        "sign",
        "the",
        "$",
        "1,200.50",
        "deal",
        ".",
    ]

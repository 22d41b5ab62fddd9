"""Sentence splitting: offsets are exact on any text, and news text splits where a reader would."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.settings import REPO_ROOT
from workers.tagger.sentences import sentence_index, split_sentences

SEED = Path(REPO_ROOT / "seeds" / "ukrinform-2025-12-06-peace-talks.txt")

#: Characters that exercise the splitting rules much more often than random Unicode does.
RULE_HEAVY_TEXT = st.lists(
    st.sampled_from(
        [*"aZ .!?…\"'”)(«»\n\r\t\u2029\u00a0。！？؟।—,;:3", "Mr.", "U.S.", " J. ", "e.g."]
    ),
    max_size=100,
).map("".join)


def assert_sentence_invariants(text: str, spans: list[tuple[int, int]]) -> None:
    previous_end = 0
    for start, end in spans:
        assert previous_end <= start < end <= len(text)
        assert not text[start].isspace() and not text[end - 1].isspace()
        previous_end = end
    covered = {i for start, end in spans for i in range(start, end)}
    assert all(text[i].isspace() or i in covered for i in range(len(text)))


@given(st.text())
def test_any_unicode_text_keeps_the_invariants(text: str) -> None:
    assert_sentence_invariants(text, split_sentences(text))


@settings(max_examples=300)
@given(RULE_HEAVY_TEXT)
def test_punctuation_heavy_text_keeps_the_invariants(text: str) -> None:
    assert_sentence_invariants(text, split_sentences(text))


def sentences(text: str) -> list[str]:
    return [text[start:end] for start, end in split_sentences(text)]


def test_seed_article_splits_into_its_sentences() -> None:
    text = SEED.read_text(encoding="utf-8")
    found = sentences(text)
    assert_sentence_invariants(text, split_sentences(text))
    assert found[0].endswith("stated this in a comment to Ukrinform.")
    assert "the U.S., stated" in found[0]  # the abbreviation does not end the sentence
    assert '"The negotiations are taking place constructively and practically.' in found
    assert "Zelensky, Rutte discuss Ukraine – U.S. meeting on peace plan" in found  # headline
    assert (
        "On Friday, December 5, the American and Ukrainian delegations met again in Florida."
        in found
    )
    assert found[-1] == "Ukrinform photos are available for purchase here"
    assert any(s.startswith("U.S. Secretary of State Marco Rubio") for s in found)
    assert len(found) == 15


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Mr. Smith met Dr. Jones at St. Mary's. They talked.",
            ["Mr. Smith met Dr. Jones at St. Mary's.", "They talked."],
        ),
        (
            "J. R. R. Tolkien wrote it. He was British.",
            ["J. R. R. Tolkien wrote it.", "He was British."],
        ),
        ("Growth was 3.5 percent. Prices rose.", ["Growth was 3.5 percent.", "Prices rose."]),
        (
            "They met on Jan. 6 at No. 10 Downing Street.",
            ["They met on Jan. 6 at No. 10 Downing Street."],
        ),
        (
            "It starts at 10 a.m. and ends at 2 p.m. The rest is free.",
            ["It starts at 10 a.m. and ends at 2 p.m.", "The rest is free."],
        ),
        ("He moved to the U.S. He likes it.", ["He moved to the U.S.", "He likes it."]),
        ("He joined the U.S. Army in 2001.", ["He joined the U.S. Army in 2001."]),
        ('"We are ready." The talks resumed.', ['"We are ready."', "The talks resumed."]),
        ("(It was late.) Then they left.", ["(It was late.)", "Then they left."]),
        ('"Why?" he asked. "Because!" She left.', ['"Why?" he asked.', '"Because!"', "She left."]),
        ("Wait... what? Yes! Done.", ["Wait... what?", "Yes!", "Done."]),
        ("They waited… Nothing came.", ["They waited…", "Nothing came."]),
        (
            "Talks in Geneva\nThe delegations met again.",
            ["Talks in Geneva", "The delegations met again."],
        ),
        (
            "The meeting took place in\nFlorida on Monday.",
            ["The meeting took place in\nFlorida on Monday."],
        ),
        ("one line\nstill the same sentence.", ["one line\nstill the same sentence."]),
        (
            "First paragraph without end\n\nsecond paragraph",
            ["First paragraph without end", "second paragraph"],
        ),
        ("Windows line\r\n\r\nNext", ["Windows line", "Next"]),
        (
            "Items:\n1. Peace talks\n2. Security guarantees",
            ["Items:", "1. Peace talks", "2. Security guarantees"],
        ),
        (
            "Переговоры прошли в Женеве. Стороны обсудили план!",
            ["Переговоры прошли в Женеве.", "Стороны обсудили план!"],
        ),
        (
            "会谈在日内瓦举行。双方讨论了计划！结果如何？",
            ["会谈在日内瓦举行。", "双方讨论了计划！", "结果如何？"],
        ),
        ("هل انتهت المحادثات؟ نعم.", ["هل انتهت المحادثات؟", "نعم."]),
        ("बैठक जिनेवा में हुई। योजना पर चर्चा हुई।", ["बैठक जिनेवा में हुई।", "योजना पर चर्चा हुई।"]),
        ("", []),
        (" \n\t ", []),
    ],
)
def test_sentence_boundaries(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


def test_sentence_index_finds_the_sentence_of_an_offset() -> None:
    text = "First one. Second one. Third."
    spans = split_sentences(text)
    assert sentence_index(spans, 0) == 0
    assert sentence_index(spans, text.index("Second")) == 1
    assert sentence_index(spans, text.index("Third") + 2) == 2
    assert sentence_index(spans, text.index(" Second")) == 0  # the space before belongs left
    assert sentence_index([], 5) == 0

"""The train/dev split by block, the token view used for training, and the JSON-lines form."""

from __future__ import annotations

import json

from workers.tagger.news_corpus import load_corpus
from workers.tagger.news_corpus.corpus import NewsSentence, parse_news_line
from workers.tagger.news_corpus.jsonl import from_record, to_record
from workers.tagger.news_corpus.split import DEV_SHARE, is_dev_block
from workers.tagger.news_corpus.tokens import to_sentence
from workers.tagger.words import word_spans

LINE = (
    "[1:Authorities+1:actor Ostrian riot police] {Arrest/COERCE.arrest#1 arrested} "
    "[1:Suspect+1:recipient 12 students] [1:Place in Lent] on Monday as [2:actor thousands] "
    "{-/PROTEST.demo#2 rallied} against [2:recipient Prime Minister Lera Voss]."
)


def test_the_split_is_stable_and_near_its_share() -> None:
    blocks = [f"block-{i}" for i in range(2000)]
    share = sum(is_dev_block(b) for b in blocks) / len(blocks)
    assert abs(share - DEV_SHARE) < 0.03
    assert [is_dev_block(b) for b in blocks[:20]] == [is_dev_block(b) for b in blocks[:20]]


def test_no_block_straddles_the_split() -> None:
    sides: dict[str, set[bool]] = {}
    for news in load_corpus():
        sides.setdefault(news.block, set()).add(is_dev_block(news.block))
    assert all(len(s) == 1 for s in sides.values())


def test_token_view_keeps_every_span() -> None:
    text, events = parse_news_line(LINE)
    news = NewsSentence(text, events, "b", "t.txt", 1)
    sentence = to_sentence(news)
    spans = word_spans(text)

    def chars(start: int, end: int) -> str:
        return text[spans[start][0] : spans[end - 1][1]]

    assert not sentence.types_complete and sentence.plover_complete
    arrest, rally = sentence.events
    assert (arrest.event_type, arrest.plover, arrest.plover_modes) == (
        "Arrest",
        "COERCE",
        ("arrest",),
    )
    assert chars(arrest.start, arrest.end) == "arrested"
    assert {(a.role, chars(a.start, a.end)) for a in arrest.plover_roles} == {
        ("actor", "Ostrian riot police"),
        ("recipient", "12 students"),
    }
    assert (rally.event_type, rally.plover) == ("", "PROTEST")
    assert [chars(a.start, a.end) for a in rally.plover_roles] == [
        "thousands",
        "Prime Minister Lera Voss",
    ]


def test_json_lines_round_trip() -> None:
    text, events = parse_news_line(LINE)
    news = NewsSentence(text, events, "b", "t.txt", 1)
    record = json.loads(json.dumps(to_record(news)))
    assert record["events"][0]["actor"] == [{"start": 0, "end": 19, "text": "Ostrian riot police"}]
    again = from_record(record)
    assert again.text == news.text and again.events == news.events

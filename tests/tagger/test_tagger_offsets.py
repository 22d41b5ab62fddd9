"""Every span the tagger reports is exact: ``text[start:end] == span.text``.

Checked as a property over random text (any Unicode, any whitespace) and over real
news-like text, and batched output must equal one-at-a-time output.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.schemas import Article, ExtractionResult, Span
from shared.settings import REPO_ROOT
from workers.tagger.tagger import Tagger

SEED = (REPO_ROOT / "seeds" / "ukrinform-2025-12-06-peace-talks.txt").read_text(encoding="utf-8")
NEWS_WORDS = [
    "Rebels",
    "attacked",
    "the",
    "village",
    "on",
    "Monday",
    ",",
    "killing",
    "three",
    "people",
    ".",
    "Ministers",
    "met",
    "in",
    "Geneva",
    "to",
    "discuss",
    "a",
    "ceasefire",
    "and",
    "said",
    "talks",
    "would",
    "continue",
    "next",
    "week",
    "police",
    "arrested",
    "protesters",
    "Kyiv",
    "Москва",
    "北京",
    "\n",
    "\n\n",
    "«",
    "»",
    "—",
    "U.S.",
    "Dr.",
    "3.5",
    "!",
    "?",
]


def spans_of(result: ExtractionResult) -> list[Span]:
    spans: list[Span] = []
    for event in result.events:
        spans.append(event.trigger)
        spans.extend(event.arguments)
        if event.time:
            spans.append(event.time)
        if event.place:
            spans.append(event.place)
        if event.plover:
            spans.extend(event.plover.actor + event.plover.recipient)
    return spans


def assert_exact(article: Article, result: ExtractionResult) -> None:
    assert result.article_id == article.id
    for span in spans_of(result):
        assert 0 <= span.start < span.end <= len(article.text)
        assert article.text[span.start : span.end] == span.text


news_text = st.lists(st.sampled_from(NEWS_WORDS), min_size=1, max_size=80).map(" ".join)
any_text = st.text(min_size=1, max_size=300).filter(lambda t: t.strip())


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.one_of(news_text, any_text))
def test_offsets_exact_on_random_text(tagger: Tagger, text: str) -> None:
    text = "".join(c if c.isprintable() or c in "\n\t" else " " for c in text)
    if not text.strip():
        return
    article = Article(id="random", text=text, published_at="2025-12-06")
    [result] = tagger.extract([article])
    assert_exact(article, result)


def test_offsets_exact_on_the_seed_article(tagger: Tagger) -> None:
    article = Article(id="seed", text=SEED, published_at="2025-12-06")
    [result] = tagger.extract([article])
    assert result.events, "the seed article has events"
    assert_exact(article, result)


def test_repeated_words_get_their_own_offsets(tagger: Tagger) -> None:
    text = "Protesters attacked the embassy. Then protesters attacked the embassy again."
    [result] = tagger.extract([Article(id="r", text=text)])
    starts = sorted(e.trigger.start for e in result.events if e.trigger.text == "attacked")
    assert starts == [text.index("attacked"), text.rindex("attacked")]


def test_batched_equals_one_at_a_time(tagger: Tagger) -> None:
    paragraphs = [p for p in SEED.split("\n") if p.strip()]
    articles = [
        Article(id=f"a{i}", text=" ".join(paragraphs[i : i + 1 + i % 3]), published_at="2025-12-06")
        for i in range(len(paragraphs))
    ]
    batched = tagger.extract(articles)
    single = [tagger.extract([a])[0] for a in articles]
    # Events and spans equal; confidences to 3 decimals (padding in a batch changes float
    # rounding, so a 4-digit rounding can fall either side of a boundary).
    assert [_without_confidences(r) for r in batched] == [_without_confidences(r) for r in single]
    pairs = zip(_confidences(batched), _confidences(single), strict=True)
    assert all(abs(a - b) <= 1e-3 for a, b in pairs)


def _confidences(results: list) -> list[float]:  # type: ignore[type-arg]
    found: list[float] = []

    def walk(value: object) -> None:
        if isinstance(value, dict):
            for key, item in sorted(value.items()):
                if key == "confidence" and isinstance(item, float):
                    found.append(item)
                else:
                    walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk([r.model_dump() for r in results])
    return found


def _without_confidences(result: object) -> object:
    def strip(value: object) -> object:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k != "confidence"}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return strip(result.model_dump())  # type: ignore[attr-defined]

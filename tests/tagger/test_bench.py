"""The tagger benchmark's articles: realistic length, deterministic, from the corpus."""

from __future__ import annotations

from workers.tagger.bench import bench_articles


def test_articles_are_400_to_800_words_and_repeatable() -> None:
    articles = bench_articles(12)
    assert len({a.id for a in articles}) == 12
    for article in articles:
        words = len(article.text.split())
        assert 400 <= words <= 800 + 200, words  # the last paragraph may run past the target
        assert "\n\n" in article.text
    assert [a.text for a in bench_articles(12)] == [a.text for a in articles]
    assert len({a.text for a in articles}) == 12

"""A deliberately slow extractor for the fault tests, selected with the ``extractor`` setting.

Real workers run it instead of the model (``NEWSEVENTS_EXTRACTOR=slow_extractor:make``,
with this folder on ``PYTHONPATH``), so that a batch lasts long enough to be interrupted
by a fault, and a test can start a worker in seconds instead of loading the model. Each
article takes ``NEWSEVENTS_TEST_EXTRACT_DELAY_S`` seconds, one whose text holds ``SLOW``
takes ``NEWSEVENTS_TEST_SLOW_ARTICLE_S``; one "Meet" event per "met" in the text.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from shared.schemas import Article, Event, ExtractionResult, ModelInfo, Span
from shared.settings import Settings

MODEL = ModelInfo(name="slow-test-extractor", version="1")


def extract_one(article: Article) -> ExtractionResult:
    """The result of one article: a Meet event on its first "met", if any."""
    start = article.text.find("met")
    events = []
    if start >= 0:
        trigger = Span(text="met", start=start, end=start + 3)
        events.append(Event(type="Meet", trigger=trigger, confidence=0.9, sentence=0))
    return ExtractionResult(article_id=article.id, model=MODEL, events=events)


def make(_settings: Settings) -> Callable[[list[Article]], list[ExtractionResult]]:
    """The extractor, with its delays read from the environment."""
    delay_s = float(os.environ.get("NEWSEVENTS_TEST_EXTRACT_DELAY_S", "0.2"))
    slow_s = float(os.environ.get("NEWSEVENTS_TEST_SLOW_ARTICLE_S", "60"))

    def extract(articles: list[Article]) -> list[ExtractionResult]:
        results = []
        for article in articles:
            time.sleep(slow_s if "SLOW" in article.text else delay_s)
            results.append(extract_one(article))
        return results

    return extract

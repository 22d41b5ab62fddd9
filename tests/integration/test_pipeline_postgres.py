"""The end-to-end happy path with PostgreSQL as the store (intake and worker share it)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pipeline_helpers import (
    Stack,
    article_payload,
    event_row_count,
    running_stack,
    stream_counts,
)

from shared.schemas import ExtractionResult
from shared.store.testing import temporary_postgres_database

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    """A new, empty database with a random name, dropped after the module."""
    with temporary_postgres_database("newsevents_itest") as url:
        yield url


@pytest.fixture(scope="module")
def stack(postgres_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(postgres_url, tmp_path_factory.mktemp("postgres")) as running:
        yield running


def test_submitted_articles_are_extracted_into_postgres(stack: Stack) -> None:
    assert stack.store.engine.dialect.name == "postgresql"
    ids = ["pg-1", "pg-2", "pg-3"]
    stack.submit(*(article_payload(article_id) for article_id in ids))

    stored = stack.finish(ids)

    counts = stream_counts(stack.redis, stack.settings.results_stream)
    for article in stored:
        assert article.status == "done", article.error
        assert article.result is not None
        assert event_row_count(stack.store, article.article.id) == len(article.result.events)
        assert counts[article.article.id] == 1
        answer = stack.client.get(f"/v1/articles/{article.article.id}")
        assert answer.status_code == 200
        assert ExtractionResult.model_validate(answer.json()["result"]) == article.result

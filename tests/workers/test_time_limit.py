"""Splitting a batch interrupted by the soft time limit (real SQLite store, Redis DB 12)."""

from __future__ import annotations

from pathlib import Path

import pytest
import redis
from pydantic import ValidationError
from worker_fixtures import TENANT, queued_batches, submit, worker_settings
from worker_fixtures import key as k

from shared.schemas import ExtractionResult, ModelInfo
from shared.settings import Settings
from shared.store import Store
from workers.time_limit import halves, split_timed_out_batch


def test_halves() -> None:
    assert halves(["a", "b", "c"]) == [["a", "b"], ["c"]]
    assert halves(["a"]) == [["a"]]
    assert halves([]) == []


def test_a_batch_is_split_in_halves_and_its_attempts_refunded(
    store: Store, settings: Settings, redis_client: redis.Redis
) -> None:
    ids = submit(store, "a", "b", "c", "d", "e")
    store.mark_processing([k("a"), k("b"), k("c")])  # the group running when the limit struck
    store.save_result(
        k("e"), ExtractionResult(article_id="e", model=ModelInfo(name="m", version="1"))
    )

    report = split_timed_out_batch(store, ids, settings)

    assert report.requeued == [[k("a"), k("b")], [k("c"), k("d")]] and report.failed == []
    assert queued_batches(redis_client) == [[k("a"), k("b")], [k("c"), k("d")]]
    stored = {item.article.id: item for item in store.load_articles(ids)}  # client ids
    assert [stored[i].status for i in "abcd"] == ["queued"] * 4
    assert [stored[i].attempts for i in "abcd"] == [0, 0, 0, 0]  # too big is not their fault
    assert stored["e"].status == "done"


def test_an_article_alone_counts_the_attempt_and_is_requeued_alone(
    store: Store, settings: Settings, redis_client: redis.Redis
) -> None:
    ids = submit(store, "slow", "next")
    store.mark_processing([k("slow")])

    report = split_timed_out_batch(store, ids, settings)

    assert report.requeued == [[k("slow")], [k("next")]]
    assert queued_batches(redis_client) == [[k("slow")], [k("next")]]
    slow = store.get_article(TENANT, "slow")
    assert slow is not None and slow.status == "queued" and slow.attempts == 1


def test_an_article_alone_at_max_attempts_fails_naming_the_time_limit(
    store: Store, tmp_path: Path, redis_client: redis.Redis
) -> None:
    settings = worker_settings(
        tmp_path, max_attempts=2, task_time_limit_s=20, task_soft_time_limit_s=7
    )
    ids = submit(store, "poison", "other")
    store.mark_processing([k("poison")])
    store.mark_processing([k("poison")])

    report = split_timed_out_batch(store, ids, settings)

    assert report.failed == [k("poison")] and report.requeued == [[k("other")]]
    poison = store.get_article(TENANT, "poison")
    assert poison is not None and poison.status == "failed"
    assert poison.error == (
        "gave up after 2 attempts: extracting this article on its own took longer than "
        "the task's soft time limit (7 s) each time"
    )


def test_soft_limit_defaults_below_the_hard_one_and_must_stay_below() -> None:
    assert Settings(task_time_limit_s=600).soft_time_limit_s() == 540
    assert Settings(task_time_limit_s=20).soft_time_limit_s() == 18
    with pytest.raises(ValidationError, match="must be below task_time_limit_s"):
        Settings(task_time_limit_s=10, task_soft_time_limit_s=10)

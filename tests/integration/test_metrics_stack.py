"""The metrics endpoints of a running stack move when an article goes through it.

Scrapes the intake's ``/metrics`` and both workers' endpoints before and after one
submission (a valid article with a callback to a local receiver, plus an invalid item),
and checks that every counter on the way moved by what happened -- counted in the pool
process that ran the task, read from the worker's main process -- and that no exposition
carries the article's id or text.
"""

from __future__ import annotations

import httpx
import pytest
from pipeline_helpers import wait_for
from prometheus_client.parser import text_string_to_metric_families
from viewer_stack import TENANT, LiveStack

from workers.callback_testing import running_receivers

pytestmark = pytest.mark.slow

TEXT = "On Monday, police arrested twelve protesters outside the parliament in Tbilisi."
ARTICLE_ID = "metrics-probe-7f3a"

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scrape(url: str, headers: dict[str, str] | None = None) -> tuple[str, Samples]:
    """The exposition text at ``url`` and its samples by (name, sorted labels)."""
    answer = httpx.get(url, headers=headers, timeout=10.0)
    assert answer.status_code == 200, answer.text
    samples: Samples = {}
    for family in text_string_to_metric_families(answer.text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return answer.text, samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def wait_done(stack: LiveStack, article_id: str) -> None:
    with stack.client() as client:

        def finished() -> str | None:
            status = str(client.get(f"/v1/articles/{article_id}").json()["status"])
            return status if status in ("done", "failed") else None

        assert wait_for(finished, f"{article_id} to be done", interval_s=0.3) == "done"


def test_counters_move_with_a_submission_and_carry_no_article_data(live_stack: LiveStack) -> None:
    stack = live_stack
    _, intake_before = scrape(f"{stack.url}/metrics")
    _, worker_before = scrape(stack.worker_metrics_url)
    _, callbacks_before = scrape(stack.callback_metrics_url)

    with running_receivers() as receivers:
        body = [
            {"id": ARTICLE_ID, "text": TEXT, "callback_url": receivers.url("/status/204")},
            {"id": "metrics-probe-bad", "text": "   "},
        ]
        with stack.client() as client:
            answer = client.post("/v1/articles", json=body)
        assert answer.status_code == 422, answer.text
        assert [entry["id"] for entry in answer.json()["accepted"]] == [ARTICLE_ID]
        wait_done(stack, ARTICLE_ID)

        wait_for(lambda: receivers.log.requests, "the callback", 60.0, 0.2)

    intake_text, intake = scrape(f"{stack.url}/metrics")
    accepted = "newsevents_intake_articles_accepted_total"
    rejected = "newsevents_intake_articles_rejected_total"
    assert (
        value(intake, accepted, duplicate="false")
        == value(intake_before, accepted, duplicate="false") + 1
    )
    assert (
        value(intake, rejected, reason="invalid")
        == value(intake_before, rejected, reason="invalid") + 1
    )
    assert ("newsevents_queue_depth", (("queue", "newsevents"),)) in intake

    # The worker counts in its pool process; the endpoint of the main process sums them.
    worker_text, worker = scrape(stack.worker_metrics_url)

    def moved(name: str, **labels: str) -> float:
        return value(worker, name, **labels) - value(worker_before, name, **labels)

    assert moved("newsevents_worker_articles_processed_total", outcome="done") == 1
    assert moved("newsevents_worker_batch_size_count") >= 1
    assert moved("newsevents_worker_tagger_seconds_count") >= 1
    assert moved("newsevents_worker_tagger_seconds_sum") > 0
    assert moved("newsevents_worker_tagger_seconds_per_article_count") >= 1
    assert moved("newsevents_worker_events_per_article_count") == 1
    assert moved("newsevents_worker_store_write_seconds_count") == 1
    assert moved("newsevents_worker_stream_appends_total", outcome="ok") == 1
    assert moved("newsevents_callbacks_total", outcome="scheduled") == 1
    model_info = [key for key in worker if key[0] == "newsevents_worker_model_info"]
    assert model_info and dict(model_info[0][1])["device"] == "cpu"

    # The callbacks worker counts the delivery once the receiver has answered.
    def delivery_counted() -> str | None:
        text, found = scrape(stack.callback_metrics_url)
        name = "newsevents_callbacks_total"
        gained = value(found, name, outcome="delivered") - value(
            callbacks_before, name, outcome="delivered"
        )
        return text if gained == 1 else None

    callbacks_text = wait_for(delivery_counted, "the delivered callback to be counted", 30.0, 0.2)

    for text in (intake_text, worker_text, callbacks_text):
        assert ARTICLE_ID not in text
        assert "Tbilisi" not in text
        assert TENANT not in text

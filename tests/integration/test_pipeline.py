"""End to end on SQLite: HTTP intake -> Redis -> a real Celery worker -> store and stream.

One worker subprocess serves the whole module (it loads the model once); each test uses
articles of its own, so the tests do not depend on each other's order.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
from pipeline_helpers import (
    NEWSEVENTS,
    REPO_ROOT,
    TENANT,
    Stack,
    argument_row_count,
    article_payload,
    event_row_count,
    keys,
    running_stack,
    service_env,
    stream_counts,
    wait_for,
)
from sqlalchemy import text

from shared.dispatch import enqueue_articles
from shared.schemas import Article, ExtractionResult
from shared.store import Submission
from shared.tenants import store_key
from workers.stream import ResultsReader

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    directory = tmp_path_factory.mktemp("pipeline")
    database_url = f"sqlite:///{directory / 'db.sqlite'}"
    with running_stack(database_url, directory, with_callbacks=True) as running:
        yield running


def read_group(stack: Stack) -> list[ExtractionResult]:
    """Every result on the stream, read from the start by a fresh consumer group."""
    reader = ResultsReader(
        stack.redis,
        stack.settings.results_stream,
        f"itest-{uuid.uuid4().hex}",
        "reader",
        block_ms=200,
    )
    reader.ensure_group(from_start=True)
    results = []
    for entry_id, result in reader.entries(stop_when_idle=True):
        results.append(result)
        reader.ack(entry_id)
    pending = stack.redis.xpending(stack.settings.results_stream, reader.group)
    assert pending["pending"] == 0
    return results


def test_submitted_article_reaches_store_api_and_stream(stack: Stack) -> None:
    entries = stack.submit(article_payload("happy-1"))
    assert entries[0]["id"] == "happy-1" and entries[0]["duplicate"] is False

    [stored] = stack.finish(["happy-1"])

    assert stored.status == "done", stored.error
    assert stored.result is not None and stored.result.article_id == "happy-1"
    assert stored.attempts == 1
    assert event_row_count(stack.store, "happy-1") == len(stored.result.events)
    for event in stored.result.events:  # offsets point into the text exactly
        assert stored.article.text[event.trigger.start : event.trigger.end] == event.trigger.text
    answer = stack.client.get("/v1/articles/happy-1")
    assert answer.status_code == 200
    assert answer.json()["status"] == "done"
    assert ExtractionResult.model_validate(answer.json()["result"]) == stored.result
    streamed = [result for result in read_group(stack) if result.article_id == "happy-1"]
    assert streamed == [stored.result]


def test_duplicate_submission_is_not_processed_again(stack: Stack) -> None:
    payload = article_payload("dup-1")
    stack.submit(payload)
    [first] = stack.finish(["dup-1"])
    rows_before = event_row_count(stack.store, "dup-1")

    again = stack.submit(payload)
    same_text = stack.submit({**payload, "id": "dup-1-copy"})
    stack.drain("dup")

    assert again[0]["duplicate"] is True and again[0]["duplicate_of"] == "dup-1"
    assert same_text[0]["duplicate"] is True and same_text[0]["duplicate_of"] == "dup-1"
    assert stack.store.get_article(TENANT, "dup-1-copy") is None
    [after] = stack.store.load_articles(keys(["dup-1"]))
    assert after.attempts == first.attempts == 1
    assert after.updated_at == first.updated_at
    assert event_row_count(stack.store, "dup-1") == rows_before
    assert stream_counts(stack.redis, stack.settings.results_stream)["dup-1"] == 1


def test_invalid_stored_row_fails_alone_in_its_batch(stack: Stack) -> None:
    good = [Article.model_validate(article_payload(f"batch-{n}")) for n in (1, 2)]
    stack.store.submit_many(TENANT, [Submission(article) for article in good])
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    with stack.store.engine.begin() as connection:  # a row no Article validation accepts
        connection.execute(
            text(
                "INSERT INTO articles (id, tenant, client_id, content_hash, text, status,"
                " attempts, created_at, updated_at) VALUES ('itest/batch-bad', 'itest',"
                " 'batch-bad', :hash, :text, 'queued', 0, :now, :now)"
            ),
            {"hash": uuid.uuid4().hex, "text": "garbled \x07 by a broken decoder", "now": now},
        )

    enqueue_articles(keys(["batch-1", "batch-bad", "batch-2"]), stack.settings)  # one task
    finished = {a.article.id: a for a in stack.finish(["batch-1", "batch-2"])}
    wait_for(
        lambda: failed_error(stack, "batch-bad"),
        "batch-bad to be marked failed",
        60.0,
        diagnostics=stack.worker.log_tail,
    )

    assert finished["batch-1"].status == finished["batch-2"].status == "done"
    error = failed_error(stack, "batch-bad")
    assert error is not None and error.startswith("ValidationError: ")
    assert "control character U+0007" in error


def failed_error(stack: Stack, article_id: str) -> str | None:
    with stack.store.engine.connect() as connection:
        status, error = connection.execute(
            text("SELECT status, error FROM articles WHERE id = :id"),
            {"id": store_key(TENANT, article_id)},
        ).one()
    return str(error) if status == "failed" else None


def test_same_ids_queued_twice_are_written_once(stack: Stack) -> None:
    ids = ["twice-1", "twice-2"]
    stack.store.submit_many(
        TENANT, [Submission(Article.model_validate(article_payload(i))) for i in ids]
    )

    enqueue_articles(keys(ids), stack.settings)
    enqueue_articles(keys(ids), stack.settings)
    stack.finish(ids)
    stack.drain("twice")

    counts = stream_counts(stack.redis, stack.settings.results_stream)
    for stored in stack.store.load_articles(keys(ids)):
        assert stored.status == "done" and stored.result is not None
        assert stored.attempts == 1  # the second task found it done and skipped it
        assert event_row_count(stack.store, stored.article.id) == len(stored.result.events)
        arguments = sum(len(event.arguments) for event in stored.result.events)
        assert argument_row_count(stack.store, stored.article.id) == arguments
        assert counts[stored.article.id] == 1


class CallbackReceiver(BaseHTTPRequestHandler):
    """Answers the first POST with 500 and later ones with 204; remembers every attempt."""

    attempts: ClassVar[list[tuple[int, bytes]]] = []
    lock = threading.Lock()

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        with self.lock:
            status = 500 if not self.attempts else 204
            self.attempts.append((status, body))
        self.send_response(status)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def callback_server() -> Iterator[ThreadingHTTPServer]:
    CallbackReceiver.attempts = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), CallbackReceiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


def test_callback_is_retried_after_500_and_arrives_once(
    stack: Stack, callback_server: ThreadingHTTPServer
) -> None:
    port = callback_server.server_address[1]
    url = f"http://127.0.0.1:{port}/hooks/newsevents"
    stack.submit(article_payload("callback-1", callback_url=url))
    [stored] = stack.finish(["callback-1"])

    wait_for(
        lambda: any(status == 204 for status, _ in CallbackReceiver.attempts),
        "a successful callback delivery",
        60.0,
        diagnostics=stack.callbacks.log_tail if stack.callbacks else stack.worker.log_tail,
    )
    stack.drain("callback")

    assert [status for status, _ in CallbackReceiver.attempts] == [500, 204]
    delivered = ExtractionResult.model_validate_json(CallbackReceiver.attempts[1][1])
    assert delivered == stored.result


def test_follow_prints_a_result_as_json(stack: Stack, tmp_path: Path) -> None:
    stack.submit(article_payload("follow-1"))
    stack.finish(["follow-1"])
    env = service_env(stack.settings.database_url)
    command = [str(NEWSEVENTS), "follow", "--count", "1", "--json", "--from-start"]
    command += ["--tenant", TENANT]
    command += ["--group", f"itest-follow-{uuid.uuid4().hex}"]

    finished = subprocess.run(
        command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120
    )

    assert finished.returncode == 0, finished.stderr
    lines = finished.stdout.strip().splitlines()
    assert len(lines) == 1
    result = ExtractionResult.model_validate(json.loads(lines[0]))
    stored = stack.store.get_article(TENANT, result.article_id)
    assert stored is not None and stored.result == result

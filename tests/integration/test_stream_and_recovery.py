"""The results-stream reader and the stale-article requeuer against the real Redis (DB 14)."""

from __future__ import annotations

import base64
import datetime as dt
import json
import signal
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from pipeline_helpers import (
    NEWSEVENTS,
    REDIS_URL,
    REPO_ROOT,
    intake_settings,
    service_env,
    wait_for,
)
from sqlalchemy import text

from shared.queues import EXTRACT_QUEUE
from shared.redis_testing import flushed_redis
from shared.schemas import Article, ExtractionResult, ModelInfo
from shared.store import Store, Submission
from workers.stream import ResultsReader, publish_result

MODEL = ModelInfo(name="stream-test", version="1")


@pytest.fixture
def client() -> Iterator[redis.Redis]:
    with flushed_redis(REDIS_URL) as connection:
        yield connection


def publish(client: redis.Redis, stream: str, *ids: str, tenant: str = "t") -> None:
    for article_id in ids:
        result = ExtractionResult(article_id=article_id, model=MODEL)
        publish_result(client, stream, 1000, result, tenant)


def read(reader: ResultsReader, ack: bool, limit: int = 100) -> list[str]:
    seen = []
    for entry_id, result in reader.entries(stop_when_idle=True):
        seen.append(result.article_id)
        if ack:
            reader.ack(entry_id)
        if len(seen) >= limit:
            break
    return seen


def test_restarted_consumer_gets_its_unacknowledged_entries_first(client: redis.Redis) -> None:
    stream = f"itest:{uuid.uuid4().hex}"
    publish(client, stream, "a", "b")
    first = ResultsReader(client, stream, "g", "c1", block_ms=100)
    first.ensure_group(from_start=True)
    assert read(first, ack=False, limit=1) == ["a"]  # dies before acknowledging "a"
    publish(client, stream, "c")

    again = ResultsReader(client, stream, "g", "c1", block_ms=100)
    again.ensure_group()
    assert read(again, ack=True) == ["a", "b", "c"]
    assert client.xpending(stream, "g")["pending"] == 0


def test_entries_left_by_a_dead_consumer_are_claimed(client: redis.Redis) -> None:
    stream = f"itest:{uuid.uuid4().hex}"
    publish(client, stream, "a", "b")
    dead = ResultsReader(client, stream, "g", "dead", block_ms=100)
    dead.ensure_group(from_start=True)
    assert read(dead, ack=False) == ["a", "b"]

    patient = ResultsReader(client, stream, "g", "other", block_ms=100, claim_idle_ms=60_000)
    assert read(patient, ack=True) == []  # not idle long enough to be taken over
    claimer = ResultsReader(client, stream, "g", "other", block_ms=100, claim_idle_ms=0)
    assert read(claimer, ack=True) == ["a", "b"]
    assert client.xpending(stream, "g")["pending"] == 0


def test_new_group_sees_only_new_results_unless_from_start(client: redis.Redis) -> None:
    stream = f"itest:{uuid.uuid4().hex}"
    publish(client, stream, "old")
    live = ResultsReader(client, stream, "live", "c", block_ms=100)
    live.ensure_group()
    publish(client, stream, "new")
    assert read(live, ack=True) == ["new"]
    rewound = ResultsReader(client, stream, "live", "c", block_ms=100)
    rewound.ensure_group(from_start=True)
    assert read(rewound, ack=True) == ["old", "new"]


def test_malformed_entry_is_skipped_and_acknowledged(client: redis.Redis) -> None:
    stream = f"itest:{uuid.uuid4().hex}"
    client.xadd(stream, {"article_id": "x", "result": "not json"})
    publish(client, stream, "good")
    reader = ResultsReader(client, stream, "g", "c", block_ms=100)
    reader.ensure_group(from_start=True)
    assert read(reader, ack=True) == ["good"]
    assert client.xpending(stream, "g")["pending"] == 0


def test_a_tenant_reader_sees_only_its_tenants_results(client: redis.Redis) -> None:
    stream = f"itest:{uuid.uuid4().hex}"
    publish(client, stream, "a1", tenant="t1")
    publish(client, stream, "b1", tenant="t2")
    publish(client, stream, "a2", tenant="t1")
    reader = ResultsReader(client, stream, "only-t1", "c", block_ms=100, tenant="t1")
    reader.ensure_group(from_start=True)
    assert read(reader, ack=True) == ["a1", "a2"]
    assert client.xpending(stream, "only-t1")["pending"] == 0  # t2's entry acked, skipped
    everyone = ResultsReader(client, stream, "all", "c", block_ms=100)
    everyone.ensure_group(from_start=True)
    assert read(everyone, ack=True) == ["a1", "b1", "a2"]


def test_stream_is_trimmed_to_about_maxlen(client: redis.Redis) -> None:
    stream = f"itest:{uuid.uuid4().hex}"
    for n in range(500):
        publish_result(client, stream, 50, ExtractionResult(article_id=f"a{n}", model=MODEL), "t")
    assert 50 <= client.xlen(stream) < 500


def queued_ids(client: redis.Redis) -> list[list[str]]:
    """The id lists of the extraction tasks waiting in the queue (Celery message bodies)."""
    batches = []
    for raw in client.lrange(EXTRACT_QUEUE, 0, -1):
        message = json.loads(raw)
        args = json.loads(base64.b64decode(message["body"]))[0]
        batches.append(args[0])
    return batches


def run_requeue(database_url: str, *options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(NEWSEVENTS), "requeue", *options],
        cwd=REPO_ROOT,
        env=service_env(database_url),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_requeue_command_without_options_requeues_what_is_stuck(
    client: redis.Redis, tmp_path: Path
) -> None:
    database_url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    store = Store(database_url)
    store.migrate()
    store.submit_many(
        "t", [Submission(Article(id=f"s{n}", text=f"Officials met in Kyiv {n}.")) for n in range(4)]
    )
    store.mark_unsent(["t/s0"])  # accepted while Redis was down
    store.mark_processing(["t/s1"], lease_s=-1)  # its worker died
    store.save_result("t/s2", ExtractionResult(article_id="s2", model=MODEL))  # never announced
    an_hour_ago = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(hours=1)
    with store.engine.begin() as connection:
        connection.execute(
            text("UPDATE articles SET announce_claimed_at = :t WHERE id = 't/s2'"),
            {"t": an_hour_ago},
        )
    store.close()

    finished = run_requeue(database_url)

    assert finished.returncode == 0, finished.stderr
    assert json.loads(finished.stdout) == {
        "requeued": 2,
        "leases_expired": 1,
        "unsent": 1,
        "lost": 0,
        "reannounced": 1,
    }
    assert queued_ids(client) == [["t/s0"], ["t/s1"]]  # s3 was sent and is still queued
    stream = intake_settings(database_url).results_stream
    assert [fields[b"article_id"] for _, fields in client.xrange(stream)] == [b"s2"]
    again = run_requeue(database_url)
    assert json.loads(again.stdout)["requeued"] == 0  # nothing is taken twice


def test_requeue_command_sends_stale_articles(client: redis.Redis, tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    store = Store(database_url)
    store.migrate()
    store.submit_many("t", [Submission(Article(id="lost", text="Officials met in Lviv."))])
    store.close()

    finished = run_requeue(database_url, "--older-than", "0")

    assert finished.returncode == 0, finished.stderr
    assert json.loads(finished.stdout) == {"requeued": 1, "ids": ["t/lost"]}
    assert queued_ids(client) == [["t/lost"]]


def test_requeue_command_rejects_a_negative_age(tmp_path: Path) -> None:
    finished = run_requeue(f"sqlite:///{tmp_path / 'db.sqlite'}", "--older-than", "-5")
    assert finished.returncode == 2
    assert "--older-than must not be negative" in finished.stderr


def test_follow_exits_cleanly_on_ctrl_c(client: redis.Redis, tmp_path: Path) -> None:
    group = f"itest-interrupt-{uuid.uuid4().hex}"
    command = [str(NEWSEVENTS), "follow", "--group", group]
    env = service_env(f"sqlite:///{tmp_path / 'db.sqlite'}")
    follower = subprocess.Popen(
        command, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        stream = intake_settings("sqlite://").results_stream

        def group_created() -> bool:
            if follower.poll() is not None:
                raise AssertionError(f"follow exited early: {follower.communicate()}")
            return client.exists(stream) == 1 and any(
                info["name"].decode() == group for info in client.xinfo_groups(stream)
            )

        wait_for(group_created, "follow to create its consumer group", 60.0)
        follower.send_signal(signal.SIGINT)
        _, stderr = follower.communicate(timeout=30)
    finally:
        if follower.poll() is None:
            follower.kill()
            follower.wait()
    assert follower.returncode == 0, stderr
    assert "Traceback" not in stderr

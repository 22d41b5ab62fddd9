"""The recovery sweep against a real SQLite store and the real Redis (DB 12).

Each test puts articles in one stuck state the way a fault leaves them (a failed send, an
expired lease, a message Redis lost, an announcement never confirmed), runs one sweep and
checks that exactly the stuck articles were taken -- once, not again on the next sweep.
"""

from __future__ import annotations

import datetime as dt

import redis
from kombu import Connection
from worker_fixtures import REDIS_URL, column, queued_batches, set_column, submit
from worker_fixtures import key as k

from shared.dispatch import enqueue_articles
from shared.queues import EXTRACT_QUEUE
from shared.schemas import ExtractionResult, ModelInfo
from shared.settings import Settings
from shared.store import Store
from workers.recovery import Sweeper
from workers.stream import REDELIVERED_FIELD

MODEL = ModelInfo(name="sweep-test", version="1")
LONG_AGO = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)


def test_unsent_articles_are_sent_once(
    store: Store, settings: Settings, redis_client: redis.Redis
) -> None:
    ids = submit(store, "u1", "u2")
    store.mark_unsent(ids)  # the intake's send failed: Redis was down
    sweeper = Sweeper(settings)

    first = sweeper.run_once()
    second = sweeper.run_once()

    assert first.unsent == ids and first.counts()["requeued"] == 2
    assert not second
    assert queued_batches(redis_client) == [ids]
    assert column(store, "enqueued_at", k("u1")) is not None


def test_expired_leases_are_requeued_and_keep_their_attempts(
    store: Store, settings: Settings, redis_client: redis.Redis
) -> None:
    ids = submit(store, "p1", "p2", "fresh")
    store.mark_processing([k("p1"), k("p2")], lease_s=-1)  # their worker is gone
    store.mark_processing([k("fresh")], lease_s=600)  # still held
    sweeper = Sweeper(settings)

    first = sweeper.run_once()
    second = sweeper.run_once()

    assert first.leases_expired == [k("p1"), k("p2")] and not second
    assert queued_batches(redis_client) == [[k("p1"), k("p2")]]
    stored = {item.article.id: item for item in store.load_articles(ids)}
    assert stored["p1"].status == "queued" and stored["p1"].attempts == 1
    assert stored["fresh"].status == "processing"


def test_lost_messages_are_resent_but_a_waiting_queue_is_left_alone(
    store: Store, settings: Settings, redis_client: redis.Redis
) -> None:
    waiting = submit(store, *(f"w{n}" for n in range(40)))
    lost = submit(store, "lost1", "lost2")
    enqueue_articles(waiting, settings)  # a long queue: messages are all there
    set_column(store, "enqueued_at", LONG_AGO, waiting + lost)
    sweeper = Sweeper(settings)

    first = sweeper.run_once()
    second = sweeper.run_once()

    assert first.lost == lost and not second
    assert queued_batches(redis_client)[-1] == lost
    assert sum(len(batch) for batch in queued_batches(redis_client)) == len(waiting) + 2


def test_a_message_reserved_by_a_consumer_is_not_lost(
    store: Store, settings: Settings, redis_client: redis.Redis
) -> None:
    ids = submit(store, "r1")
    enqueue_articles(ids, settings)
    set_column(store, "enqueued_at", LONG_AGO, ids)
    with Connection(REDIS_URL) as connection:
        consumer_queue = connection.SimpleQueue(EXTRACT_QUEUE)
        reserved = consumer_queue.get(timeout=5)  # received, not acknowledged: "unacked"
        try:
            report = Sweeper(settings).run_once()
        finally:
            reserved.ack()
            consumer_queue.close()
    assert not report


def test_unconfirmed_announcement_is_announced_again_marked_redelivered(
    store: Store, settings: Settings, redis_client: redis.Redis
) -> None:
    submit(store, "d1", "d2")
    for article_id in ("d1", "d2"):
        store.save_result(k(article_id), ExtractionResult(article_id=article_id, model=MODEL))
    store.mark_announced(k("d2"))  # d1's worker died before confirming
    sweeper = Sweeper(settings)

    assert not sweeper.run_once()  # the claim is fresh: its worker may still be at it
    set_column(store, "announce_claimed_at", LONG_AGO, [k("d1")])
    first = sweeper.run_once()
    second = sweeper.run_once()

    assert first.reannounced == [k("d1")] and not second
    entries = redis_client.xrange(settings.results_stream)
    assert [
        (fields[b"article_id"], fields[REDELIVERED_FIELD.encode()]) for _, fields in entries
    ] == [(b"d1", b"1")]
    assert column(store, "announced_at", k("d1")) is not None


def test_stale_requeue_takes_every_unfinished_article(
    store: Store, settings: Settings, redis_client: redis.Redis
) -> None:
    ids = submit(store, "s1", "s2")
    store.mark_processing([k("s2")])
    set_column(store, "updated_at", LONG_AGO, ids)

    assert Sweeper(settings).requeue_stale(60) == ids
    assert queued_batches(redis_client) == [ids]

"""The recovery sweep: every accepted article ends done or failed without a person.

The store is the source of truth and the outbox of the queue (``shared.store.outbox``);
Redis may lose messages and workers may die at any moment. Every ``recovery_interval_s``
(seconds) the sweep takes, with compare-and-set claims, what evidently got stuck:

1. ``processing`` articles whose lease ran out (task time limit plus ``lease_margin_s``:
   their worker is gone, as the hard time limit would have ended it) go back to the queue;
2. ``queued`` articles never handed to the queue (the intake or a worker could not reach
   Redis) are sent;
3. ``queued`` articles sent more than ``recovery_lost_after_s`` ago whose message is in
   neither the queue nor a worker's reserved messages (``workers.queue_probe``) were lost
   and are sent again -- a long queue is left alone, since its messages are all there;
4. done articles whose announcement was claimed more than ``announce_retry_after_s`` ago
   and never confirmed are announced again, the stream entry marked ``redelivered``.

A claim changes the row (``enqueued_at``, status, ``announce_claimed_at``), so the next
sweep does not take the same article again while its new message waits in a long queue,
and two workers sweeping at once never take the same article. Processing is idempotent,
so the rare duplicate message (a sweep racing a worker that was only slow) costs a skip.

It runs in the worker's main process (never in a pool child, and without loading the
model): once when the worker is ready and then on a daemon thread; ``newsevents requeue``
runs it once by hand. The schema migration also runs in the main process, at
``worker_init``, before the pool forks its children.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from dataclasses import asdict, dataclass, field
from typing import Any

from celery.signals import worker_init, worker_ready, worker_shutdown

from shared.outbox_send import send_claimed
from shared.queues import EXTRACT_QUEUE, EXTRACT_TASK
from shared.settings import Settings, get_settings
from shared.store import Store
from shared.store.tables import utc_now
from workers.queue_probe import ids_in_redis
from workers.runtime import WorkerRuntime
from workers.tasks import announce

log = logging.getLogger(__name__)


@dataclass
class SweepReport:
    """The articles one sweep took, by reason."""

    leases_expired: list[str] = field(default_factory=list)
    unsent: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)
    reannounced: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """How many articles of each kind, and how many were requeued in all."""
        by_kind = {name: len(ids) for name, ids in asdict(self).items()}
        return {"requeued": sum(by_kind.values()) - by_kind["reannounced"], **by_kind}

    def __bool__(self) -> bool:
        return any(self.counts().values())


class Sweeper:
    """Runs the four steps of the module docstring against the configured store and Redis."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def run_once(self) -> SweepReport:
        """One sweep; raises when the database or Redis is down (the caller tries later)."""
        runtime = WorkerRuntime(self.settings)
        try:
            report = self._sweep(runtime)
        finally:  # no pooled connection may outlive the run (children fork from us)
            runtime.store.close()
            runtime.redis.close()
        if report:
            log.warning("recovery sweep: %s", report.counts())
        return report

    def requeue_stale(self, older_than_s: float) -> list[str]:
        """Requeue unfinished articles untouched for ``older_than_s`` s (operators' lever)."""
        store = Store.from_settings(self.settings)
        try:
            ids = store.claim_requeue(store.find_stale(older_than_s))
            self._send(store, ids)
        finally:
            store.close()
        return ids

    def _sweep(self, runtime: WorkerRuntime) -> SweepReport:
        store, settings = runtime.store, self.settings
        report = SweepReport()
        report.leases_expired = self._send(store, store.claim_expired_leases())
        report.unsent = self._send(store, store.claim_unsent())
        cutoff = utc_now() - dt.timedelta(seconds=settings.recovery_lost_after_s)
        candidates = store.sent_before(cutoff)
        if candidates:
            present = ids_in_redis(runtime.redis, EXTRACT_QUEUE, EXTRACT_TASK)
            missing = [article_id for article_id in candidates if article_id not in present]
            report.lost = self._send(store, store.claim_resend(missing, cutoff))
        claimed_before = utc_now() - dt.timedelta(seconds=settings.announce_retry_after_s)
        for item in store.load_articles(store.claim_announcements(claimed_before)):
            if item.result is None:  # a done article always has its result; be safe
                continue
            announce(runtime, item.tenant, item.result, item.callback_url, redelivered=True)
            store.mark_announced(item.key)
            report.reannounced.append(item.key)
        return report

    def _send(self, store: Store, ids: list[str]) -> list[str]:
        error = send_claimed(store, ids, self.settings)
        if error is not None:
            raise error
        return ids


class RecoveryThread(threading.Thread):
    """Runs ``Sweeper.run_once`` now and then every ``recovery_interval_s``."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(name="newsevents-recovery", daemon=True)
        self.sweeper = Sweeper(settings)
        self.interval_s = settings.recovery_interval_s
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            try:
                self.sweeper.run_once()
            except Exception as error:  # the database or Redis is down: try again next period
                log.warning(
                    "recovery sweep failed (%s: %s); retrying in %.1f s",
                    type(error).__name__,
                    error,
                    self.interval_s,
                )
            self.stopped.wait(self.interval_s)

    def stop(self) -> None:
        self.stopped.set()


_thread: RecoveryThread | None = None


@worker_init.connect
def _migrate_before_fork(**_: Any) -> None:
    store = Store.from_settings(get_settings())
    try:
        store.migrate()
    finally:
        store.close()


@worker_ready.connect
def _start_recovery(**_: Any) -> None:
    global _thread
    if _thread is None:
        _thread = RecoveryThread(get_settings())
        _thread.start()


@worker_shutdown.connect
def _stop_recovery(**_: Any) -> None:
    if _thread is not None:
        _thread.stop()

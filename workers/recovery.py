"""Re-queueing articles whose task was lost, so that every accepted article ends done or failed.

The queue is not the source of truth, the store is: an article is ``queued`` or
``processing`` until a worker stores its result or its error. A task message can still be
lost -- Redis restarted without persistence, the queue was flushed, a task ran out of
transient retries -- and then the article would wait forever. So articles that stayed
``queued``/``processing`` for longer than ``recovery_stale_after_s`` (default: the
visibility timeout, after which Redis itself would have redelivered a reserved message)
are sent to the queue again. Processing is idempotent, so a message that was only slow,
not lost, costs a skipped duplicate at worst.

It runs in the worker's main process (never in a pool child, and without loading the
model): once when the worker is ready and then every ``recovery_interval_s`` on a daemon
thread; ``newsevents requeue`` runs it once by hand. The schema migration also runs in the
main process, at ``worker_init``, before the pool forks its children.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from celery.signals import worker_init, worker_ready, worker_shutdown

from shared.dispatch import enqueue_articles
from shared.settings import Settings, get_settings
from shared.store import Store

log = logging.getLogger(__name__)


def stale_after_s(settings: Settings) -> float:
    """How long an unfinished article may stay untouched before it is re-queued."""
    return float(settings.recovery_stale_after_s or settings.visibility_timeout_s)


class StaleRequeuer:
    """Finds stale articles and re-queues them, at most once per staleness period each.

    ``find_stale`` does not change the articles, so an article re-queued a minute ago is
    still stale; remembering when each id was sent keeps a periodic run from flooding the
    queue with copies of messages that are merely waiting their turn.
    """

    def __init__(
        self,
        settings: Settings,
        enqueue: Callable[[list[str], Settings], None] = enqueue_articles,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self._enqueue = enqueue
        self._clock = clock
        self._sent_at: dict[str, float] = {}

    def run_once(self, older_than_s: float | None = None) -> list[str]:
        """Re-queue the stale articles; returns their ids (empty when none)."""
        threshold = stale_after_s(self.settings) if older_than_s is None else older_than_s
        store = Store.from_settings(self.settings)
        try:
            stale = store.find_stale(threshold)
        finally:
            store.close()  # no pooled connection may outlive the run (children fork from us)
        now = self._clock()
        due = [i for i in stale if now - self._sent_at.get(i, -float("inf")) >= threshold]
        still_stale = set(stale)
        self._sent_at = {i: t for i, t in self._sent_at.items() if i in still_stale}
        if due:
            self._enqueue(due, self.settings)
            self._sent_at.update(dict.fromkeys(due, now))
            log.warning("re-queued %d stale article(s): %s", len(due), due[:20])
        return due


class RecoveryThread(threading.Thread):
    """Runs ``StaleRequeuer.run_once`` now and then every ``recovery_interval_s``."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(name="newsevents-recovery", daemon=True)
        self.requeuer = StaleRequeuer(settings)
        self.interval_s = settings.recovery_interval_s
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            try:
                self.requeuer.run_once()
            except Exception:  # the database or Redis is down: try again next period
                log.exception("stale-article recovery failed; retrying in %.0f s", self.interval_s)
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

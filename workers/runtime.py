"""Per-process resources of a worker: settings, store, Redis client and the extractor.

Each pool process builds its own, on first use, because none of them survive a fork:
database and Redis connections opened in the parent would be shared by every child, and
a model loaded in the parent would be copied into every child (and CUDA cannot be used
after a fork at all). The tagger is loaded lazily by the first task rather than in
``worker_process_init``, because Celery kills a child whose init takes more than 4 s and a
model load can take longer than that.

The extractor is the tagger's ``extract`` unless the ``extractor`` setting names another
factory (``module:function``, called with the settings): the fault tests use that to run
real workers with a deliberately slow extractor instead of the model.
"""

from __future__ import annotations

import importlib
import logging
import os
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import redis

from shared.settings import Settings, get_settings
from shared.store import Store
from workers.metrics import record_model

if TYPE_CHECKING:
    from workers.tagger.tagger import Tagger

log = logging.getLogger(__name__)

#: Seconds a Redis command of a worker may take: a stalled Redis fails a task (which is
#: retried) instead of hanging it.
REDIS_TIMEOUT_S = 10.0


class WorkerRuntime:
    """The resources one worker process uses, created once and reused by every task."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.store = Store.from_settings(settings)
        self.redis = redis.Redis.from_url(
            settings.redis_url,
            socket_timeout=REDIS_TIMEOUT_S,
            socket_connect_timeout=REDIS_TIMEOUT_S,
        )
        self._tagger: Tagger | None = None
        self._custom: Callable[[list[Any]], list[Any]] | None = None
        self._tagger_lock = threading.Lock()

    def tagger(self) -> Tagger:
        """The tagger, loaded on the first call (seconds) and cached for the process."""
        with self._tagger_lock:
            if self._tagger is None:
                self._tagger = load_tagger(self.settings)
                info = self._tagger.info
                record_model(info.name, info.version, str(self._tagger.device))
            return self._tagger

    def extractor(self) -> Callable[[list[Any]], list[Any]]:
        """What extracts a batch: the tagger, or the factory the ``extractor`` setting names."""
        if self.settings.extractor is None:
            return self.tagger().extract
        with self._tagger_lock:
            if self._custom is None:
                module, _, name = self.settings.extractor.partition(":")
                factory = getattr(importlib.import_module(module), name)
                self._custom = factory(self.settings)
                log.warning("using extractor %s instead of the model", self.settings.extractor)
            return self._custom


def load_tagger(settings: Settings) -> Tagger:
    """Load the configured model on the device ``workers.device`` picks."""
    import torch

    from workers.device import choose_device, threads_per_process
    from workers.tagger.tagger import Tagger

    choice = choose_device(settings.device)
    if settings.worker_concurrency > 1:  # pool processes share the host's cores
        torch.set_num_threads(threads_per_process(settings.worker_concurrency))
    log.info("loading model %s on %s (%s)", settings.model_path, choice.device, choice.dtype)
    tagger = Tagger.load(
        model_path=settings.model_path, device=choice.device, token_budget=settings.token_budget
    )
    log.info(
        "model %s %s ready on %s (%d CPU threads)",
        tagger.info.name, tagger.info.version, tagger.device, torch.get_num_threads(),
    )  # fmt: skip
    return tagger


_runtime: WorkerRuntime | None = None
_runtime_pid: int | None = None
_runtime_lock = threading.Lock()


def get_runtime() -> WorkerRuntime:
    """This process's runtime; a forked child gets a fresh one, never its parent's."""
    global _runtime, _runtime_pid
    with _runtime_lock:
        if _runtime is None or _runtime_pid != os.getpid():
            _runtime = WorkerRuntime(get_settings())
            _runtime_pid = os.getpid()
        return _runtime

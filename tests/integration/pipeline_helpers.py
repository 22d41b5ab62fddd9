"""Helpers of the integration tests: a real Celery worker subprocess, polling, stream counts.

Everything here talks to real services: Redis DB 14 (reserved for these tests), a SQLite
file or PostgreSQL database, and workers started exactly as in production (the commands of
``shared.queues.worker_argv``): the extraction worker with the repository's model and, where
a test needs callbacks, the callbacks worker (allowed to reach receivers on 127.0.0.1).
The in-process intake sends an API key of tenant ``TENANT``; the helpers take the client's
article ids and find the tenant's articles by them.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, TypeVar

import redis
from celery import Celery
from fastapi.testclient import TestClient
from sqlalchemy import bindparam, text

from services.intake.app import create_app
from shared.queues import CALLBACK_QUEUE, EXTRACT_QUEUE, worker_argv
from shared.redis_testing import redis_test_url
from shared.settings import Settings
from shared.store import Store, StoredArticle
from shared.store.api_keys import ApiKeys
from shared.tenants import store_key

#: The Redis database that belongs to the integration tests.
REDIS_URL = redis_test_url(14)
REPO_ROOT = Path(__file__).resolve().parents[2]
CELERY = Path(sys.executable).with_name("celery")
NEWSEVENTS = Path(sys.executable).with_name("newsevents")
SEED_TEXT = (REPO_ROOT / "seeds" / "ukrinform-2025-12-06-peace-talks.txt").read_text("utf-8")
#: The tenant of the integration tests' API key and articles.
TENANT = "itest"
#: First task loads the model on a busy two-core machine: be generous.
PROCESS_TIMEOUT_S = 240.0
#: The test receivers listen on loopback, which the callback policy refuses by default.
LOOPBACK_CALLBACKS = {"NEWSEVENTS_CALLBACK_ALLOWED_NETWORKS": "127.0.0.1/32"}

T = TypeVar("T")


def wait_for(
    probe: Callable[[], T | None],
    what: str,
    timeout_s: float = PROCESS_TIMEOUT_S,
    interval_s: float = 0.05,
    diagnostics: Callable[[], str] = lambda: "",
) -> T:
    """Poll ``probe`` until it returns something truthy; fail naming ``what`` after the timeout."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(
                f"timed out after {timeout_s:.0f} s waiting for {what}\n{diagnostics()}"
            )
        time.sleep(interval_s)


def service_env(database_url: str, **extra: str) -> dict[str, str]:
    """The environment of a worker or CLI subprocess: this test's Redis DB and database."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("NEWSEVENTS_") and key != "DATABASE_URL"
    }
    env.update(
        NEWSEVENTS_REDIS_URL=REDIS_URL,
        DATABASE_URL=database_url,
        HF_HUB_OFFLINE="1",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)  # may name another Redis (the fault tests run their own server)
    return env


def intake_settings(database_url: str) -> Settings:
    """Settings for the in-process intake, matching ``service_env``."""
    allowed = LOOPBACK_CALLBACKS["NEWSEVENTS_CALLBACK_ALLOWED_NETWORKS"]
    return Settings(
        database_url=database_url, redis_url=REDIS_URL, callback_allowed_networks=allowed
    )


class WorkerProcess:
    """A real Celery worker in its own process group: extraction (prefork, one child) by
    default, or the callbacks worker (threads) with ``queue=CALLBACK_QUEUE``."""

    def __init__(
        self, database_url: str, log_path: Path, queue: str = EXTRACT_QUEUE, **extra_env: str
    ) -> None:
        self.env = service_env(database_url, **extra_env)
        self.log_path = log_path
        self.queue = queue
        self.node = f"itest-{os.getpid()}-{time.monotonic_ns()}@{socket.gethostname()}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> WorkerProcess:
        command = [str(CELERY), *worker_argv(self.queue)]
        if self.queue == EXTRACT_QUEUE:
            command += ["-c", "1", "--pool", "prefork"]
        command += ["--loglevel", "INFO", "--without-mingle", "--without-gossip", "-n", self.node]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                command,
                cwd=REPO_ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    @property
    def pid(self) -> int:
        assert self.process is not None, "worker not started"
        return self.process.pid

    def log_tail(self, lines: int = 60) -> str:
        if not self.log_path.exists():
            return "(no worker log)"
        text_lines = self.log_path.read_text("utf-8", errors="replace").splitlines()
        return "worker log tail:\n" + "\n".join(text_lines[-lines:])

    def wait_ready(self, timeout_s: float = 120.0) -> None:
        """Wait until the worker answers a control ping (it then consumes the queue)."""
        client = Celery("itest-control", broker=self.env["NEWSEVENTS_REDIS_URL"])
        try:

            def answered() -> bool:
                assert self.process is not None
                if self.process.poll() is not None:
                    raise AssertionError(
                        f"worker exited with {self.process.returncode}\n{self.log_tail()}"
                    )
                return bool(client.control.ping(destination=[self.node], timeout=0.5))

            wait_for(answered, "the worker to answer a ping", timeout_s, 0.2, self.log_tail)
        finally:
            client.close()

    def child_pids(self) -> list[int]:
        """The pool processes (children of the main worker process)."""
        found = subprocess.run(
            ["pgrep", "-P", str(self.pid)], capture_output=True, text=True, check=False
        )
        return [int(pid) for pid in found.stdout.split()]

    def kill_children(self) -> list[int]:
        """SIGKILL every pool child (the main process stays and forks replacements)."""
        children = wait_for(self.child_pids, "a pool child", 30.0)
        for pid in children:
            os.kill(pid, signal.SIGKILL)
        return children

    def kill_all(self) -> None:
        """SIGKILL the main process and its children at once, as a power cut would."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        """Warm shutdown (SIGTERM), then SIGKILL for whatever is left of the group."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            with suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=30)
        with suppress(ProcessLookupError):
            os.killpg(self.pid, signal.SIGKILL)
        self.process.wait(timeout=30)


def article_payload(key: str, text_copies: int = 1, **fields: str) -> dict[str, str]:
    """A valid article whose id and text are unique to ``key`` (so it is never a duplicate)."""
    body = f"Report {key}.\n\n" + "\n\n".join([SEED_TEXT] * text_copies)
    return {"id": key, "text": body, "published_at": "2025-12-06", "source": "Ukrinform", **fields}


def keys(ids: Iterable[str]) -> list[str]:
    """The store keys of the test tenant's articles ``ids``."""
    return [store_key(TENANT, article_id) for article_id in ids]


def statuses(store: Store, ids: Iterable[str]) -> dict[str, str]:
    """Status of each of the test tenant's articles, by client id, read with one light query.

    Polling with ``load_articles`` would parse every article's text and stored result many
    times a second, which on two cores starves the worker being waited for.
    """
    wanted = list(ids)
    with store.engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT client_id, status FROM articles WHERE tenant = :tenant"
                " AND client_id IN :ids"
            ).bindparams(bindparam("ids", expanding=True)),
            {"ids": wanted, "tenant": TENANT},
        )
        return {str(row[0]): str(row[1]) for row in rows}


def wait_finished(
    store: Store,
    ids: list[str],
    worker: WorkerProcess | None = None,
    timeout_s: float = PROCESS_TIMEOUT_S,
) -> list[StoredArticle]:
    """Wait until every article is done or failed; the stored articles, in order."""

    def finished() -> list[StoredArticle] | None:
        current = statuses(store, ids)
        if len(current) == len(ids) and set(current.values()) <= {"done", "failed"}:
            return store.load_articles(keys(ids))
        return None

    def diagnostics() -> str:
        return f"statuses: {statuses(store, ids)}\n" + (worker.log_tail() if worker else "")

    return wait_for(finished, f"{len(ids)} article(s) to finish", timeout_s, 0.25, diagnostics)


def stream_counts(client: redis.Redis, stream: str) -> Counter[str]:
    """How many stream entries each article id has (the whole stream, read with XRANGE)."""
    counts: Counter[str] = Counter()
    entries: Any = client.xrange(stream)
    for _entry_id, fields in entries:
        counts[fields[b"article_id"].decode()] += 1
    return counts


def event_row_count(store: Store, article_id: str) -> int:
    with store.engine.connect() as connection:
        return int(
            connection.execute(
                text("SELECT count(*) FROM events WHERE article_id = :id"),
                {"id": store_key(TENANT, article_id)},
            ).scalar_one()
        )


def argument_row_count(store: Store, article_id: str) -> int:
    with store.engine.connect() as connection:
        return int(
            connection.execute(
                text(
                    "SELECT count(*) FROM arguments JOIN events ON events.id = arguments.event_id"
                    " WHERE events.article_id = :id"
                ),
                {"id": store_key(TENANT, article_id)},
            ).scalar_one()
        )


class Stack:
    """The intake (in-process TestClient) and one worker subprocess sharing one database."""

    def __init__(
        self,
        client: TestClient,
        worker: WorkerProcess,
        settings: Settings,
        callbacks: WorkerProcess | None = None,
    ) -> None:
        self.client = client
        self.worker = worker
        self.callbacks = callbacks
        self.settings = settings
        self.store: Store = client.app.state.store  # type: ignore[attr-defined]
        self.redis = redis.Redis.from_url(REDIS_URL)

    def submit(self, *articles: dict[str, str]) -> list[dict[str, object]]:
        """POST the articles as one batch; the 202 answer's entries."""
        response = self.client.post("/v1/articles", json={"articles": list(articles)})
        assert response.status_code == 202, response.text
        entries: list[dict[str, object]] = response.json()["articles"]
        return entries

    def finish(self, ids: list[str], timeout_s: float = PROCESS_TIMEOUT_S) -> list[StoredArticle]:
        return wait_finished(self.store, ids, self.worker, timeout_s)

    def drain(self, key: str) -> None:
        """Submit a fresh article and wait for it: everything queued before it is handled.

        With one worker process and a FIFO queue, this is how a test waits for "nothing
        more happens" without sleeping a fixed time.
        """
        self.submit(article_payload(f"{key}-marker"))
        self.finish([f"{key}-marker"])


@contextmanager
def running_stack(
    database_url: str, directory: Path, with_callbacks: bool = False, **worker_env: str
) -> Iterator[Stack]:
    """Empty Redis DB 14, migrate via the intake's start-up, start a worker (and the callbacks
    worker when asked); stop them at the end."""
    flush = redis.Redis.from_url(REDIS_URL)
    flush.flushdb()
    flush.close()
    settings = intake_settings(database_url)
    env = {**LOOPBACK_CALLBACKS, **worker_env}
    with TestClient(create_app(settings)) as client:
        _key, token = ApiKeys(client.app.state.store).create(TENANT, "integration tests")  # type: ignore[attr-defined]
        client.headers["Authorization"] = f"Bearer {token}"
        worker = WorkerProcess(database_url, directory / "worker.log", **env)
        callbacks = None
        if with_callbacks:
            log = directory / "callbacks.log"
            callbacks = WorkerProcess(database_url, log, queue=CALLBACK_QUEUE, **env)
        try:
            for process in filter(None, (callbacks, worker)):
                process.start()
            for process in filter(None, (callbacks, worker)):
                process.wait_ready()
            stack = Stack(client, worker, settings, callbacks)
            yield stack
            stack.redis.close()
        finally:
            for process in filter(None, (worker, callbacks)):
                process.stop()

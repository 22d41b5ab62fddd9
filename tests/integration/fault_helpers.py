"""Helpers of the fault tests: a Redis server of the test's own, a stack around it, outcomes.

Every fault test starts its own ``redis-server`` on a free loopback port with an
append-only file (``appendfsync always``, so a ``kill -9`` loses no acknowledged write)
that it can kill and restart, a real Celery worker (``pipeline_helpers.WorkerProcess``)
running the deliberately slow extractor of ``slow_extractor.py`` instead of the model,
short recovery periods, and the intake in-process. Nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import json
import shutil
import signal
import socket
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import redis
from fastapi.testclient import TestClient
from pipeline_helpers import (
    REPO_ROOT,
    TENANT,
    WorkerProcess,
    event_row_count,
    keys,
    statuses,
    wait_for,
)
from sqlalchemy import bindparam, text

from services.intake.app import create_app
from shared.settings import Settings
from shared.store import Store
from shared.store.api_keys import ApiKeys

#: The recovery settings of the fault tests: sweeps every second, short grace periods.
RECOVERY_ENV = {
    "NEWSEVENTS_EXTRACTOR": "slow_extractor:make",
    "PYTHONPATH": str(REPO_ROOT / "tests" / "integration"),
    "NEWSEVENTS_RECOVERY_INTERVAL_S": "1",
    "NEWSEVENTS_RECOVERY_LOST_AFTER_S": "5",
    "NEWSEVENTS_ANNOUNCE_RETRY_AFTER_S": "3",
    "NEWSEVENTS_TASK_TIME_LIMIT_S": "20",
    "NEWSEVENTS_LEASE_MARGIN_S": "5",
    "NEWSEVENTS_VISIBILITY_TIMEOUT_S": "60",
    "NEWSEVENTS_TEST_EXTRACT_DELAY_S": "0.25",
}
#: Articles per task, in the intake and in the workers.
BATCH_SIZE = 4


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class RedisServer:
    """A ``redis-server`` of the test's own, with an append-only file in ``directory``."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        binary = shutil.which("redis-server")
        assert binary is not None, "redis-server is not installed"
        command = [binary, "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--dir", str(self.directory), "--save", "", "--daemonize", "no"]
        command += ["--appendonly", "yes", "--appendfsync", "always"]
        with (self.directory / "redis.log").open("ab") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        client = redis.Redis.from_url(self.url, socket_timeout=1)
        try:
            wait_for(lambda: _answers(client), "redis-server to answer", 30.0, 0.05)
        finally:
            client.close()
        return self

    def kill(self) -> None:
        """SIGKILL, as a crash or an OOM kill would."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        self.kill()


def _answers(client: redis.Redis) -> bool:
    with suppress(redis.RedisError):
        return bool(client.ping())
    return False


@dataclass
class FaultOutcome:
    """What a fault cost: the numbers the issue's closing note quotes."""

    fault: str
    sent: int
    done: int
    failed: int
    lost: int
    duplicated_on_stream: int
    redelivered_entries: int
    seconds_to_recover: float

    def report(self) -> str:
        line = "FAULT " + json.dumps(asdict(self))
        print(line)  # collected by ``pytest -s`` for the closing note
        return line


class FaultStack:
    """A Redis of its own, the intake (TestClient) and one worker, on one database."""

    def __init__(
        self, directory: Path, database_url: str, redis_server: RedisServer, client: TestClient
    ) -> None:
        self.directory = directory
        self.database_url = database_url
        self.redis_server = redis_server
        self.client = client
        self.store: Store = client.app.state.store  # type: ignore[attr-defined]
        self.settings: Settings = client.app.state.settings  # type: ignore[attr-defined]
        self.worker: WorkerProcess | None = None

    def start_worker(self, **env: str) -> WorkerProcess:
        worker_env = {
            **RECOVERY_ENV,
            "NEWSEVENTS_WORKER_BATCH_SIZE": str(BATCH_SIZE),
            "NEWSEVENTS_REDIS_URL": self.redis_server.url,
            **env,
        }
        self.worker = WorkerProcess(self.database_url, self.directory / "worker.log", **worker_env)
        self.worker.start().wait_ready()
        return self.worker

    def submit(self, *articles: dict[str, str]) -> tuple[int, list[str]]:
        """POST one batch; the status code and the ids the answer lists as accepted."""
        response = self.client.post("/v1/articles", json={"articles": list(articles)})
        body = response.json()
        entries = body["articles"] if response.status_code == 202 else body.get("accepted", [])
        return response.status_code, [str(entry["id"]) for entry in entries]

    def stream_entries(self) -> list[dict[str, str]]:
        """Every entry of the results stream, fields decoded."""
        client = redis.Redis.from_url(self.redis_server.url, decode_responses=True)
        try:
            entries: Any = client.xrange(self.settings.results_stream)
            return [dict(fields) for _entry_id, fields in entries]
        finally:
            client.close()

    def settled(self, ids: list[str], finals: set[str]) -> bool:
        """Every article in a final state, every done one announced and on the stream."""
        current = statuses(self.store, ids)
        if len(current) != len(ids) or not set(current.values()) <= finals:
            return False
        done = [article_id for article_id, status in current.items() if status == "done"]
        if unannounced(self.store, done):
            return False
        with suppress(redis.RedisError):
            on_stream = {entry["article_id"] for entry in self.stream_entries()}
            return set(done) <= on_stream
        return False

    def wait_settled(
        self, ids: list[str], timeout_s: float, finals: frozenset[str] = frozenset({"done"})
    ) -> float:
        """Wait until ``settled``; the seconds it took. Fails after ``timeout_s``."""
        started = time.monotonic()

        def diagnostics() -> str:
            log = self.worker.log_tail(80) if self.worker else ""
            return f"statuses: {statuses(self.store, ids)}\n{log}"

        wait_for(
            lambda: self.settled(ids, set(finals)),
            f"{len(ids)} articles to be {sorted(finals)} and announced",
            timeout_s,
            0.25,
            diagnostics,
        )
        return time.monotonic() - started

    def outcome(self, fault: str, ids: list[str], seconds: float) -> FaultOutcome:
        """Count what happened to ``ids`` (store and stream)."""
        current = statuses(self.store, ids)
        entries = [entry for entry in self.stream_entries() if entry["article_id"] in set(ids)]
        per_article = Counter(entry["article_id"] for entry in entries)
        return FaultOutcome(
            fault=fault,
            sent=len(ids),
            done=sum(status == "done" for status in current.values()),
            failed=sum(status == "failed" for status in current.values()),
            lost=sum(status not in ("done", "failed") for status in current.values()),
            duplicated_on_stream=sum(count - 1 for count in per_article.values()),
            redelivered_entries=sum(entry.get("redelivered") == "1" for entry in entries),
            seconds_to_recover=round(seconds, 1),
        )

    def assert_done_exactly_once(self, ids: list[str]) -> None:
        """Done in the store with one result's rows; once on the stream, plus marked repeats."""
        entries = self.stream_entries()
        unmarked = Counter(e["article_id"] for e in entries if e.get("redelivered") != "1")
        every = Counter(e["article_id"] for e in entries)
        for stored in self.store.load_articles(keys(ids)):
            article_id = stored.article.id
            assert stored.status == "done", (article_id, stored.status, stored.error)
            assert stored.result is not None
            assert event_row_count(self.store, article_id) == len(stored.result.events)
            assert every[article_id] >= 1, f"{article_id} never reached the stream"
            assert unmarked[article_id] <= 1, f"{article_id} announced twice unmarked"


def unannounced(store: Store, ids: list[str]) -> list[str]:
    """Of ``ids`` (client ids), the done articles whose announcement is not confirmed yet."""
    if not ids:
        return []
    with store.engine.connect() as connection:
        rows = connection.execute(
            text("SELECT id FROM articles WHERE id IN :ids AND announced_at IS NULL").bindparams(
                bindparam("ids", expanding=True)
            ),
            {"ids": keys(ids)},
        )
        return [str(row[0]) for row in rows]


@contextmanager
def fault_stack(directory: Path, database_url: str) -> Iterator[FaultStack]:
    """Start a Redis of its own and the intake; the test starts the worker; stop all."""
    redis_server = RedisServer(directory).start()
    settings = Settings(
        database_url=database_url,
        redis_url=redis_server.url,
        worker_batch_size=BATCH_SIZE,
    )
    try:
        with TestClient(create_app(settings)) as client:
            _key, token = ApiKeys(client.app.state.store).create(TENANT, "fault tests")  # type: ignore[attr-defined]
            client.headers["Authorization"] = f"Bearer {token}"
            stack = FaultStack(directory, database_url, redis_server, client)
            try:
                yield stack
            finally:
                if stack.worker is not None:
                    stack.worker.stop()
    finally:
        redis_server.stop()

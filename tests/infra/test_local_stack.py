"""Process management of `make run` and the benchmarks, on real processes and a real Redis."""

from __future__ import annotations

import socket
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.local_stack import (
    ManagedProcess,
    StackConfig,
    StackError,
    create_api_key,
    ensure_redis,
    free_port,
    fresh_sqlite_url,
    port_answers,
    redis_address,
    redis_pings,
    start_process,
    wait_ready,
    with_redis_port,
)
from shared.redis_testing import redis_test_url
from shared.store import Store
from shared.store.api_keys import ApiKeys

#: Redis DB of these tests (the intake's use 13).
REDIS_URL = redis_test_url(15)


@pytest.fixture
def started() -> Iterator[list[ManagedProcess]]:
    """Processes a test starts; all are stopped at the end, whatever happened."""
    processes: list[ManagedProcess] = []
    yield processes
    for process in processes:
        process.stop(timeout_s=5)


def python_child(code: str) -> list[str]:
    return [sys.executable, "-u", "-c", code]


def start_talking(
    name: str, code: str, log_dir: Path, started: list[ManagedProcess]
) -> ManagedProcess:
    """Start a Python child and wait until it has printed its first line."""
    process = start_process(name, python_child(code), {}, log_dir)
    started.append(process)
    deadline = time.monotonic() + 30
    while not process.log_tail().strip():
        assert time.monotonic() < deadline, f"{name} printed nothing"
        time.sleep(0.05)
    return process


def test_port_answers_only_while_something_listens() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        assert port_answers("127.0.0.1", port)
    assert not port_answers("127.0.0.1", port)


def test_free_port_is_not_listening() -> None:
    assert not port_answers("127.0.0.1", free_port())


def redis_test_urls_are_taken_apart_and_rebuilt() -> None:
    assert redis_address("redis://127.0.0.1:6380/2") == ("127.0.0.1", 6380)
    assert redis_address("redis://localhost/0") == ("localhost", 6379)
    assert with_redis_port("redis://:secret@127.0.0.1:6379/4", 7000) == (
        "redis://:secret@127.0.0.1:7000/4"
    )


def test_a_process_log_is_kept_and_its_tail_shown(
    tmp_path: Path, started: list[ManagedProcess]
) -> None:
    process = start_process(
        "printer", python_child("for i in range(30): print('line', i)"), {}, tmp_path
    )
    started.append(process)
    assert process.popen.wait(timeout=30) == 0
    assert process.log_tail(3).splitlines() == ["line 27", "line 28", "line 29"]
    assert (tmp_path / "printer.log").is_file()


def test_stop_kills_a_process_that_ignores_sigterm(
    tmp_path: Path, started: list[ManagedProcess]
) -> None:
    code = (
        "import signal, time\n"
        "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        "print('ready', flush=True)\n"
        "time.sleep(600)\n"
    )
    process = start_talking("stubborn", code, tmp_path, started)
    begun = time.monotonic()
    status = process.stop(timeout_s=1)
    assert status is not None and status < 0  # killed by a signal
    assert time.monotonic() - begun < 10
    assert not process.running


def test_stop_also_ends_what_the_process_forked(
    tmp_path: Path, started: list[ManagedProcess]
) -> None:
    """Like a Celery worker's pool: the parent exits on SIGTERM, its child would linger."""
    code = (
        "import subprocess, sys, time\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'])\n"
        "print(child.pid, flush=True)\n"
        "time.sleep(600)\n"
    )
    process = start_talking("parent", code, tmp_path, started)
    child_pid = int(process.log_tail().strip())
    process.stop(timeout_s=5)
    deadline = time.monotonic() + 10
    while not process_gone(child_pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert process_gone(child_pid)


def process_gone(pid: int) -> bool:
    """True when ``pid`` no longer runs (absent, or a zombie waiting to be reaped)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"
    except FileNotFoundError:
        return True


def test_a_start_failure_names_the_command(tmp_path: Path) -> None:
    with pytest.raises(StackError, match="no-such-program"):
        start_process("ghost", ["no-such-program-newsevents"], {}, tmp_path)


def test_wait_ready_reports_a_crashed_process_with_its_log(
    tmp_path: Path, started: list[ManagedProcess]
) -> None:
    code = "import sys; print('cannot load the model: boom'); sys.exit(3)"
    process = start_process("worker", python_child(code), {}, tmp_path)
    started.append(process)
    url = f"http://127.0.0.1:{free_port()}/readyz"
    with pytest.raises(StackError) as caught:
        wait_ready(url, [process], timeout_s=60, poll_s=0.05)
    message = str(caught.value)
    assert "worker exited with status 3" in message
    assert "cannot load the model: boom" in message
    assert str(process.log_path) in message


def test_wait_ready_times_out_with_the_last_answer(
    tmp_path: Path, started: list[ManagedProcess]
) -> None:
    port = free_port()
    code = (
        "import http.server\n"
        "class H(http.server.BaseHTTPRequestHandler):\n"
        "    def do_GET(self):\n"
        "        self.send_response(503); self.end_headers(); self.wfile.write(b'no workers')\n"
        f"http.server.HTTPServer(('127.0.0.1', {port}), H).serve_forever()\n"
    )
    server = start_process("intake", python_child(code), {}, tmp_path)
    started.append(server)
    with pytest.raises(
        StackError, match=r"not ready after 2 s \(last answer: HTTP 503: no workers"
    ):
        wait_ready(f"http://127.0.0.1:{port}/readyz", [server], timeout_s=2, poll_s=0.1)


def test_wait_ready_returns_once_the_url_answers_200(
    tmp_path: Path, started: list[ManagedProcess]
) -> None:
    port = free_port()
    handler = "http.server.SimpleHTTPRequestHandler"
    code = f"import http.server; http.server.test({handler}, port={port}, bind='127.0.0.1')"
    server = start_process("intake", python_child(code), {}, tmp_path, cwd=tmp_path)
    started.append(server)
    wait_ready(f"http://127.0.0.1:{port}/", [server], timeout_s=60, poll_s=0.05)


def test_ensure_redis_leaves_a_running_server_alone() -> None:
    assert redis_pings(REDIS_URL), f"these tests need Redis at {REDIS_URL}"
    assert ensure_redis(REDIS_URL) is None


def test_ensure_redis_starts_and_stops_its_own_server(tmp_path: Path) -> None:
    url = with_redis_port(REDIS_URL, free_port())
    process = ensure_redis(url, tmp_path)
    assert process is not None
    try:
        assert redis_pings(url)
    finally:
        process.stop()
    assert not redis_pings(url)


def test_ensure_redis_refuses_a_port_taken_by_something_else(tmp_path: Path) -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        url = with_redis_port(REDIS_URL, server.getsockname()[1])
        with pytest.raises(StackError, match="does not answer Redis PING"):
            ensure_redis(url, tmp_path)


def test_fresh_sqlite_url_removes_an_earlier_database(tmp_path: Path) -> None:
    database = tmp_path / "run" / "newsevents.db"
    database.parent.mkdir()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").write_text("old")
    assert fresh_sqlite_url(database) == f"sqlite:///{database}"
    assert list(database.parent.iterdir()) == []


def test_children_get_the_stack_addresses(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSEVENTS_DATABASE_URL", "sqlite:///elsewhere.db")
    config = StackConfig(
        redis_url=REDIS_URL,
        database_url="sqlite:////tmp/x.db",
        intake_port=8123,
        extra_env={"NEWSEVENTS_RESULTS_STREAM": "s"},
    )
    env = config.child_env()
    assert env["NEWSEVENTS_REDIS_URL"] == REDIS_URL
    assert env["DATABASE_URL"] == "sqlite:////tmp/x.db"
    assert "NEWSEVENTS_DATABASE_URL" not in env  # it would compete with DATABASE_URL
    assert env["NEWSEVENTS_RESULTS_STREAM"] == "s"
    assert config.intake_url == "http://127.0.0.1:8123"


def test_create_api_key_writes_an_unlimited_key_to_a_new_store(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'stack' / 'store.db'}"
    token = create_api_key(url, "local", "local stack")
    store = Store(url)
    try:
        key = ApiKeys(store).authenticate(token)
    finally:
        store.close()
    assert key is not None
    assert (key.tenant, key.name, key.requests_per_minute, key.chars_per_day) == (
        "local",
        "local stack",
        0,
        0,
    )

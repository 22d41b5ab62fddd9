"""Start and stop the newsevents processes on this machine, for `make run` and the benchmarks.

Running the stack locally means juggling four processes (Redis, the intake, the extraction
worker, the callbacks worker) whose
failures are easy to miss: a worker that cannot load its model just dies, an intake on a
taken port never answers. This module keeps each child's output in a log file, waits for
the intake's ``/readyz`` while watching the children, and on a timeout or a crash raises
an error that shows the last lines of every log, so the cause is on the screen. Whatever it
started it stops again (terminate, then kill), and nothing it did not start. Once the
intake is ready it creates an API key (quotas unlimited) for ``StackConfig.tenant`` directly
in the stack's store, so the client calls of the run authenticate like any other client.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import BinaryIO
from urllib.parse import urlsplit, urlunsplit

import httpx

from shared.queues import CALLBACK_QUEUE, EXTRACT_QUEUE, worker_argv
from shared.settings import REPO_ROOT, missing_model_message

#: Where the children's logs go (one file per process, overwritten per run).
LOG_DIR = REPO_ROOT / "var" / "log"
#: The intake's ASGI application, as uvicorn names it.
INTAKE_APP = "services.intake.app:app"


class StackError(RuntimeError):
    """A process of the local stack failed to start or to become ready."""


@dataclass
class ManagedProcess:
    """A child process that this module started, with the log file its output goes to."""

    name: str
    popen: subprocess.Popen[bytes]
    log_path: Path
    log_file: BinaryIO | None = field(default=None, repr=False)

    @property
    def running(self) -> bool:
        """True while the process has not exited."""
        return self.popen.poll() is None

    def log_tail(self, lines: int = 20) -> str:
        """The last ``lines`` lines of the process's log, for error messages."""
        try:
            with self.log_path.open(encoding="utf-8", errors="replace") as handle:
                return "".join(deque(handle, maxlen=lines))
        except FileNotFoundError:
            return ""

    def stop(self, timeout_s: float = 15.0) -> int | None:
        """Ask the process to exit (SIGTERM), kill its whole group if it does not in time.

        Children run in their own session, so the kill also reaches what they forked
        (a Celery worker's pool processes). Returns the exit status.
        """
        if self.running:
            with contextlib.suppress(ProcessLookupError):
                self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(timeout=timeout_s)
        # Pool children left behind by a parent that exited on SIGTERM die with the group.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.popen.pid, signal.SIGKILL)
        if self.log_file is not None:
            self.log_file.close()
        return self.popen.returncode


def start_process(
    name: str,
    command: Sequence[str],
    env: Mapping[str, str],
    log_dir: Path = LOG_DIR,
    cwd: Path = REPO_ROOT,
) -> ManagedProcess:
    """Start ``command`` in its own session with stdout and stderr going to ``log_dir/name.log``."""
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"{name}.log"
    log_file = log_path.open("wb")
    try:
        popen = subprocess.Popen(
            list(command),
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            env=dict(env),
            cwd=cwd,
            start_new_session=True,
        )
    except OSError as error:
        log_file.close()
        raise StackError(f"cannot start {name} ({command[0]}): {error}") from error
    return ManagedProcess(name=name, popen=popen, log_path=log_path, log_file=log_file)


def port_answers(host: str, port: int, timeout_s: float = 0.5) -> bool:
    """True when something accepts TCP connections on ``host:port``."""
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            return True
    except OSError:
        return False


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port on ``host`` that nothing listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def redis_address(redis_url: str) -> tuple[str, int]:
    """Host and port of a ``redis://`` URL (defaults 127.0.0.1 and 6379)."""
    parts = urlsplit(redis_url)
    return parts.hostname or "127.0.0.1", parts.port or 6379


def with_redis_port(redis_url: str, port: int) -> str:
    """The same Redis URL pointing at another port (keeps host, credentials and DB)."""
    parts = urlsplit(redis_url)
    host = parts.hostname or "127.0.0.1"
    credentials = parts.netloc.rpartition("@")[0]
    netloc = f"{credentials}@{host}:{port}" if credentials else f"{host}:{port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def redis_pings(redis_url: str, timeout_s: float = 1.0) -> bool:
    """True when a Redis server answers PING at ``redis_url``."""
    import redis

    client = redis.Redis.from_url(redis_url, socket_timeout=timeout_s, socket_connect_timeout=1)
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()


def ensure_redis(
    redis_url: str, log_dir: Path = LOG_DIR, timeout_s: float = 10.0
) -> ManagedProcess | None:
    """Make sure Redis answers at ``redis_url``; start a throw-away server if nothing listens.

    Returns the server this call started (the caller stops it), or None when one was already
    answering. Only a local address is started; a remote Redis that does not answer is an
    error, and so is a port taken by something that is not Redis.
    """
    if redis_pings(redis_url):
        return None
    host, port = redis_address(redis_url)
    if port_answers(host, port):
        raise StackError(f"something listens on {host}:{port} but does not answer Redis PING")
    if host not in {"127.0.0.1", "localhost", "::1"}:
        raise StackError(f"Redis at {redis_url} does not answer, and it is not on this machine")
    server = shutil.which("redis-server")
    if server is None:
        raise StackError(
            f"nothing answers on {host}:{port} and redis-server is not installed "
            "(apt-get install redis-server, or set NEWSEVENTS_REDIS_URL)"
        )
    command = [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly"]
    process = start_process("redis", [*command, "no"], os.environ, log_dir)
    deadline = time.monotonic() + timeout_s
    while not redis_pings(redis_url):
        if not process.running or time.monotonic() > deadline:
            process.stop()
            raise StackError(f"redis-server did not start:\n{process.log_tail()}")
        time.sleep(0.1)
    return process


def model_problem(model_path: Path) -> str | None:
    """Why a worker could not load a model from ``model_path``, or None when it can try.

    Checked before anything starts: a worker without its model only fails on its first
    task, which would look like a stack that hangs.
    """
    if not model_path.is_dir():
        return missing_model_message(model_path)
    return None


def intake_command(port: int, host: str = "127.0.0.1") -> list[str]:
    """The intake command line (uvicorn from this interpreter's environment)."""
    return [sys.executable, "-m", "uvicorn", INTAKE_APP, "--host", host, "--port", str(port)]


def worker_command(node_name: str, queue: str = EXTRACT_QUEUE) -> list[str]:
    """The Celery worker command line for ``queue`` (``shared.queues``), with a unique node name."""
    celery = [sys.executable, "-m", "celery", *worker_argv(queue)]
    return [*celery, "--loglevel", "INFO", "-n", f"{node_name}@%h"]


def wait_ready(
    url: str, watched: Sequence[ManagedProcess], timeout_s: float, poll_s: float = 0.5
) -> None:
    """Poll ``url`` until it answers 200, failing early when a watched process exits.

    On a timeout or a crash the error names the cause and shows the last log lines of every
    watched process, which is where the reason (a missing model, a taken port) is.
    """
    deadline = time.monotonic() + timeout_s
    last = "no answer yet"
    while True:
        for process in watched:
            if not process.running:
                raise StackError(
                    f"{process.name} exited with status {process.popen.returncode} before "
                    f"{url} was ready\n{logs_report(watched)}"
                )
        try:
            response = httpx.get(url, timeout=5.0)
            if response.status_code == 200:
                return
            last = f"HTTP {response.status_code}: {response.text[:300]}"
        except httpx.HTTPError as error:
            last = f"{type(error).__name__}: {error}"
        if time.monotonic() > deadline:
            raise StackError(
                f"{url} was not ready after {timeout_s:.0f} s (last answer: {last})\n"
                f"{logs_report(watched)}"
            )
        time.sleep(poll_s)


def logs_report(processes: Sequence[ManagedProcess], lines: int = 15) -> str:
    """The last log lines of each process, under a header naming its log file."""
    parts = []
    for process in processes:
        tail = process.log_tail(lines).rstrip() or "(empty)"
        parts.append(f"--- last lines of {process.log_path} ---\n{tail}")
    return "\n".join(parts)


@dataclass
class StackConfig:
    """What a local stack needs: where Redis and the store are, and how to run the children."""

    redis_url: str
    database_url: str
    intake_port: int
    log_dir: Path = LOG_DIR
    ready_timeout_s: float = 120.0
    extra_env: dict[str, str] = field(default_factory=dict)
    #: The tenant of the API key created for this run.
    tenant: str = "local"

    @property
    def intake_url(self) -> str:
        """Base URL of the intake."""
        return f"http://127.0.0.1:{self.intake_port}"

    def child_env(self) -> dict[str, str]:
        """The environment of the intake and worker: ours plus the stack's addresses."""
        env = dict(os.environ)
        env.setdefault("HF_HUB_OFFLINE", "1")
        env["PYTHONUNBUFFERED"] = "1"
        env["NEWSEVENTS_REDIS_URL"] = self.redis_url
        env["DATABASE_URL"] = self.database_url
        env.pop("NEWSEVENTS_DATABASE_URL", None)
        env.update(self.extra_env)
        return env


class LocalStack:
    """Redis (if needed), an intake and the two workers, started together and stopped together.

    Use it as a context manager: on entry it starts everything and waits for ``/readyz``;
    on exit (also after an error or Ctrl-C) it stops what it started, newest first.
    """

    def __init__(self, config: StackConfig) -> None:
        self.config = config
        self.processes: list[ManagedProcess] = []
        self.started_redis = False
        #: The token of the API key created for this run (set once the stack is ready).
        self.api_key = ""

    def start(self) -> None:
        """Start the processes and wait until the intake reports ready."""
        config = self.config
        host, port = "127.0.0.1", config.intake_port
        if port_answers(host, port):
            raise StackError(f"port {port} is taken; choose another (--port or INTAKE_PORT)")
        redis_process = ensure_redis(config.redis_url, config.log_dir)
        if redis_process is not None:
            self.started_redis = True
            self.processes.append(redis_process)
        env = config.child_env()
        self.processes.append(start_process("intake", intake_command(port), env, config.log_dir))
        node = f"newsevents-local-{os.getpid()}"
        self.processes.append(start_process("worker", worker_command(node), env, config.log_dir))
        callbacks = worker_command(f"{node}-callbacks", CALLBACK_QUEUE)
        self.processes.append(start_process("callbacks", callbacks, env, config.log_dir))
        children = [p for p in self.processes if p.name != "redis"]
        wait_ready(f"{config.intake_url}/readyz", children, config.ready_timeout_s)
        self.api_key = create_api_key(config.database_url, config.tenant, "local stack")

    def stop(self) -> None:
        """Stop every started process, newest first (the workers before the intake and Redis)."""
        while self.processes:
            self.processes.pop().stop()

    def __enter__(self) -> LocalStack:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def create_api_key(database_url: str, tenant: str, name: str) -> str:
    """A new API key of ``tenant`` without quotas, written to the store; its token."""
    from shared.store import Store
    from shared.store.api_keys import ApiKeys

    store = Store(database_url)
    try:
        store.migrate()
        _key, token = ApiKeys(store).create(tenant, name, requests_per_minute=0, chars_per_day=0)
    finally:
        store.close()
    return token


def fresh_sqlite_url(path: Path) -> str:
    """A SQLite URL for ``path`` after removing any database left there by an earlier run."""
    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}"


@contextlib.contextmanager
def interrupts_as_errors() -> Iterator[None]:
    """Turn SIGTERM into KeyboardInterrupt so ``finally`` blocks still stop the children."""

    def _raise(signum: int, frame: object) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    previous = signal.signal(signal.SIGTERM, _raise)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)

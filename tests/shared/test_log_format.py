"""Log lines: one per record, JSON or escaped text, so logged input cannot forge a line.

The last two tests start the real intake (uvicorn) and a real Celery worker and read what
they write to stderr: every line must be one JSON object.
"""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from services.local_stack import free_port
from shared.log_format import configure_logging, escape_controls, formatter_for
from shared.redis_testing import redis_test_url
from shared.settings import REPO_ROOT

FORGERY = "article-1\n2026-01-01 CRITICAL workers: database wiped\x1b[2J\r\x00\x85"


def record(message: str, *args: object, exc: bool = False) -> logging.LogRecord:
    exc_info = None
    if exc:
        try:
            raise ValueError("bad\nvalue")
        except ValueError:
            exc_info = sys.exc_info()
    return logging.LogRecord("workers.tasks", logging.WARNING, __file__, 1, message, args, exc_info)


def test_a_json_line_keeps_the_message_and_holds_no_raw_control_character() -> None:
    line = formatter_for("json").format(record("refused %s", FORGERY))
    assert "\n" not in line and "\r" not in line and "\x1b" not in line and "\x00" not in line
    entry = json.loads(line)
    assert entry["message"] == f"refused {FORGERY}"
    assert entry["level"] == "WARNING" and entry["logger"] == "workers.tasks"
    assert entry["ts"].endswith("Z")


def test_a_json_exception_stays_on_the_same_line() -> None:
    line = formatter_for("json").format(record("failed", exc=True))
    assert "\n" not in line
    assert "ValueError: bad\nvalue" in json.loads(line)["exception"]


def test_text_lines_escape_control_characters_visibly() -> None:
    line = formatter_for("text").format(record("refused %s", FORGERY))
    assert "\n" not in line and "\x1b" not in line and "\x00" not in line
    assert "article-1\\n2026-01-01 CRITICAL" in line
    assert "\\x1b[2J\\r\\x00\\x85" in line
    assert " WARNING workers.tasks: refused " in line


def test_escaping_leaves_printable_text_alone() -> None:
    assert escape_controls("Kyiv – «talks» 2026 \u00e9") == "Kyiv – «talks» 2026 \u00e9"


def test_an_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="json"):
        formatter_for("xml")


@pytest.fixture
def restored_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers, root.level = handlers, level


@pytest.mark.usefixtures("restored_logging")
def test_configuring_twice_leaves_one_handler_and_server_loggers_share_it() -> None:
    out = io.StringIO()
    configure_logging("json", "INFO", out)
    configure_logging("json", "INFO", out)
    assert len(logging.getLogger().handlers) == 1
    logging.getLogger("uvicorn.access").info("GET /healthz %s", "200")
    logging.getLogger("httpx").info("HTTP Request: POST http://user:secret@host/")
    lines = out.getvalue().splitlines()
    assert [json.loads(line)["logger"] for line in lines] == ["uvicorn.access"]


def stderr_lines_until(process: subprocess.Popen[str], marker: str, timeout_s: float) -> list[str]:
    """Lines of ``process``'s stderr up to the first that contains ``marker``."""
    assert process.stderr is not None
    lines: list[str] = []
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if not line:
            break
        lines.append(line.rstrip("\n"))
        if marker in line:
            return lines
    raise AssertionError(f"no {marker!r} in {timeout_s} s; stderr was: {lines[-20:]}")


def start(command: list[str], tmp_path: Path) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "NEWSEVENTS_LOG_FORMAT": "json",
        "NEWSEVENTS_DATABASE_URL": f"sqlite:///{tmp_path / 'log.db'}",
        "NEWSEVENTS_REDIS_URL": redis_test_url(12),
        "HF_HUB_OFFLINE": "1",
    }
    return subprocess.Popen(
        command,
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.slow
def test_the_intake_writes_json_lines(tmp_path: Path) -> None:
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "services.intake.app:app", "--port", str(port)]
    process = start(command, tmp_path)
    try:
        stderr_lines_until(process, "Uvicorn running", timeout_s=60)
        assert httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=10).status_code == 200
        lines = stderr_lines_until(process, "/healthz", timeout_s=10)
    finally:
        process.terminate()
        process.wait(timeout=30)
    access = json.loads(lines[-1])
    assert access["logger"] == "uvicorn.access" and "GET /healthz" in access["message"]


@pytest.mark.slow
def test_a_worker_writes_json_lines(tmp_path: Path) -> None:
    celery = str(Path(sys.executable).with_name("celery"))
    command = [celery, "-A", "workers.celery_app", "worker", "--pool", "solo", "-Q", "logtest"]
    process = start([*command, "--loglevel", "INFO", "--without-heartbeat"], tmp_path)
    try:
        lines = stderr_lines_until(process, "ready.", timeout_s=120)
    finally:
        process.terminate()
        process.wait(timeout=60)
    # Celery warns about running as root before it configures logging (CI runs as root):
    # that warning is the interpreter's, printed ahead of the first log record.
    first = next(i for i, line in enumerate(lines) if line.startswith("{"))
    entries = [json.loads(line) for line in lines[first:]]
    assert any(entry["logger"].startswith("celery") for entry in entries)

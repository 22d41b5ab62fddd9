"""`make run` end to end: a fresh-machine run, and the clear failures around it.

The main test runs ``python -m services.run_local`` as a user would, with Redis on a port
where nothing listens yet, so the run has to start (and stop) its own Redis, as on a
fresh machine. It loads the real model, so it is marked slow.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from services.local_stack import free_port, model_problem, port_answers, redis_pings
from services.run_local import choose_port
from shared.settings import REPO_ROOT
from shared.store import Store
from shared.store.api_keys import ApiKeys

SEED_ID = "ukrinform-2025-12-06-peace-talks"


def run_local(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "HF_HUB_OFFLINE": "1", **env}
    environment.pop("NEWSEVENTS_DATABASE_URL", None)
    command = [sys.executable, "-m", "services.run_local", "--db", str(tmp_path / "run.db")]
    return subprocess.run(
        [*command, "--log-dir", str(tmp_path / "log"), *args],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env=environment,
        timeout=900,
        check=False,
    )


@pytest.mark.slow
def test_make_run_processes_the_seed_article_and_cleans_up(tmp_path: Path) -> None:
    redis_url = f"redis://127.0.0.1:{free_port()}/0"
    port = free_port()
    answer = run_local(tmp_path, "--port", str(port), NEWSEVENTS_REDIS_URL=redis_url)
    output = answer.stdout + answer.stderr
    assert answer.returncode == 0, output
    assert "Started a throw-away Redis" in answer.stdout
    assert "Stopped the processes started for this run." in answer.stdout
    assert str(tmp_path / "run.db") in answer.stdout

    store = Store(f"sqlite:///{tmp_path / 'run.db'}")
    try:
        stored = store.get_article("local", SEED_ID)  # the tenant of the run's own key
        [key] = ApiKeys(store).list()
    finally:
        store.close()
    assert stored is not None and stored.status == "done", output
    assert stored.result is not None and stored.result.article_id == SEED_ID
    assert (key.tenant, key.requests_per_minute, key.chars_per_day) == ("local", 0, 0)

    assert not port_answers("127.0.0.1", port), "the intake is still running"
    assert not redis_pings(redis_url), "the Redis started for the run is still running"
    for name in ("intake", "worker", "callbacks", "redis"):
        assert (tmp_path / "log" / f"{name}.log").stat().st_size > 0


def test_make_run_without_a_model_says_how_to_get_one(tmp_path: Path) -> None:
    answer = run_local(tmp_path, NEWSEVENTS_MODEL_PATH=str(tmp_path / "no-model"))
    assert answer.returncode == 2
    assert f"no model at {tmp_path / 'no-model'}" in answer.stderr
    assert "make train" in answer.stderr


def test_make_run_reports_a_port_that_is_not_redis(tmp_path: Path) -> None:
    with socket.socket() as impostor:
        impostor.bind(("127.0.0.1", 0))
        impostor.listen()
        redis_url = f"redis://127.0.0.1:{impostor.getsockname()[1]}/0"
        answer = run_local(
            tmp_path,
            "--port",
            str(free_port()),
            NEWSEVENTS_REDIS_URL=redis_url,
            NEWSEVENTS_MODEL_PATH=str(tmp_path),  # passes the model check: Redis is the subject
        )
    assert answer.returncode == 1
    assert "the stack did not come up" in answer.stderr
    assert "does not answer Redis PING" in answer.stderr


def test_a_requested_port_is_used_as_given() -> None:
    assert choose_port(8123) == 8123
    chosen = choose_port(None)
    assert chosen == 8000 or not port_answers("127.0.0.1", chosen)


def test_model_problem_names_the_missing_directory(tmp_path: Path) -> None:
    assert model_problem(tmp_path) is None
    problem = model_problem(tmp_path / "absent")
    assert problem is not None and str(tmp_path / "absent") in problem

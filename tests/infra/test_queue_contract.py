"""The queue contract (``shared.queues``) is the only place queue and task names are spelled.

Python code must import the names; the files that cannot import Python (Makefile,
Dockerfiles; docker-compose.yml is checked in test_compose.py) must spell exactly what
the contract says. And every Celery app, sender or worker, uses the same broker settings.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
from pathlib import Path

import pytest

from services.local_stack import worker_command
from shared import dispatch
from shared.queues import (
    CALLBACK_QUEUE,
    CALLBACK_TASK,
    EXTRACT_QUEUE,
    EXTRACT_TASK,
    broker_config,
    worker_argv,
)
from shared.settings import REPO_ROOT, Settings
from workers.callback_app import create_callback_app
from workers.celery_app import create_app

CONTRACT_NAMES = {EXTRACT_QUEUE, CALLBACK_QUEUE, EXTRACT_TASK, CALLBACK_TASK}


def python_sources() -> list[Path]:
    return [
        path
        for package in ("shared", "services", "workers")
        for path in (REPO_ROOT / package).rglob("*.py")
        if path != REPO_ROOT / "shared" / "queues.py"
    ]


def test_no_module_but_the_contract_spells_a_queue_or_task_name() -> None:
    spelled = []
    for path in python_sources():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        # The command's name is the project's name, which the first queue shares.
        programs = {
            id(k.value) for k in ast.walk(tree) if isinstance(k, ast.keyword) and k.arg == "prog"
        }
        for node in ast.walk(tree):
            if id(node) in programs:
                continue
            if isinstance(node, ast.Constant) and node.value in CONTRACT_NAMES:
                spelled.append(f"{path.relative_to(REPO_ROOT)}:{node.lineno} {node.value!r}")
    assert spelled == []


def test_the_names_are_distinct_and_the_queues_differ() -> None:
    assert len(CONTRACT_NAMES) == 4
    assert worker_argv(EXTRACT_QUEUE) != worker_argv(CALLBACK_QUEUE)
    with pytest.raises(ValueError, match="no worker consumes"):
        worker_argv("newsevents-typo")


def make_command(target: str) -> list[str]:
    answer = subprocess.run(
        ["make", "--no-print-directory", "-n", target, "VENV=.venv"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return answer.stdout.strip().splitlines()[-1].split()


@pytest.mark.parametrize(
    ("target", "queue"), [("worker", EXTRACT_QUEUE), ("worker-callbacks", CALLBACK_QUEUE)]
)
def test_make_targets_run_the_contract_commands(target: str, queue: str) -> None:
    assert make_command(target) == [".venv/bin/celery", *worker_argv(queue), "--loglevel", "INFO"]


def test_the_local_stack_runs_the_contract_commands() -> None:
    for queue in (EXTRACT_QUEUE, CALLBACK_QUEUE):
        command = worker_command("node", queue)
        assert command[1:3] == ["-m", "celery"]
        assert command[3 : 3 + len(worker_argv(queue))] == worker_argv(queue)


@pytest.mark.parametrize("dockerfile", ["worker.Dockerfile"])  # CPU and GPU (DEVICE=cuda)
def test_worker_images_start_the_extraction_worker(dockerfile: str) -> None:
    text = (REPO_ROOT / "docker" / dockerfile).read_text(encoding="utf-8")
    [cmd] = re.findall(r"^CMD (\[.*\])$", text, re.MULTILINE)
    assert json.loads(cmd) == ["celery", *worker_argv(EXTRACT_QUEUE), "--loglevel", "INFO"]


def test_every_app_uses_the_shared_broker_configuration() -> None:
    settings = Settings(redis_url="redis://127.0.0.1:1/3", visibility_timeout_s=1234)
    shared = broker_config(settings.redis_url, settings.visibility_timeout_s)
    client = dispatch._client(settings.redis_url, settings.visibility_timeout_s)
    for app in (create_app(settings), create_callback_app(settings), client):
        for key, value in shared.items():
            assert app.conf[key] == value, (app.main, key)


@pytest.mark.parametrize(
    ("task", "queue"), [(EXTRACT_TASK, EXTRACT_QUEUE), (CALLBACK_TASK, CALLBACK_QUEUE)]
)
def test_every_app_routes_each_task_to_its_queue(task: str, queue: str) -> None:
    """Whoever sends a task, and whatever ``queue=`` it forgets, the task lands on its queue."""
    settings = Settings(redis_url="redis://127.0.0.1:1/3")
    client = dispatch._client(settings.redis_url, settings.visibility_timeout_s)
    for app in (create_app(settings), create_callback_app(settings), client):
        assert app.amqp.router.route({}, task, (), {})["queue"].name == queue

"""The Makefile has every target the README promises, and the main ones expand as intended.

``make -n`` prints a target's commands without running them, so these tests check the
Makefile's real behaviour (prerequisites, variables, order) without installing anything.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
from pathlib import Path

import pytest

from services.cli import build_parser
from shared.settings import DEFAULT_MODEL_DIR, REPO_ROOT

README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")


def make(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", "--no-print-directory", "-C", str(REPO_ROOT), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def installed_venv(tmp_path: Path) -> Path:
    """A venv path whose install stamp is fresh, so ``make -n`` skips the install step."""
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / ".installed-stamp").touch()
    return venv


@pytest.fixture(scope="module")
def targets() -> set[str]:
    """The targets in make's database (``make -pRrq``: print it, run nothing)."""
    database = make("-pRrq", ":").stdout
    names = set()
    for line in database.splitlines():
        match = re.match(r"^([A-Za-z0-9_.-]+):(?!=)", line)
        if match and not match.group(1).startswith("."):
            names.add(match.group(1))
    return names


@pytest.fixture(scope="module")
def phony() -> set[str]:
    database = make("-pRrq", ":").stdout
    line = next(line for line in database.splitlines() if line.startswith(".PHONY:"))
    return set(line.split(":", 1)[1].split())


def test_every_target_the_readme_mentions_exists(targets: set[str]) -> None:
    mentioned = set(re.findall(r"`make ([a-z][a-z-]*)", README))
    assert {"run", "test"} <= mentioned
    assert mentioned - targets == set()


def test_the_briefed_targets_exist_and_are_phony(targets: set[str], phony: set[str]) -> None:
    wanted = {
        "help",
        "install",
        "run",
        "test",
        "lint",
        "intake",
        "worker",
        "redis",
        "up",
        "down",
        "up-gpu",
        "train",
        "evaluate",
        "bench",
        "bench-tagger",
        "bench-stack",
        "follow",
        "clean",
    }
    assert wanted <= targets
    assert wanted <= phony


def test_help_lists_every_phony_target(phony: set[str]) -> None:
    listed = {line.split()[0] for line in make("help").stdout.splitlines() if line.strip()}
    assert phony <= listed


def test_run_installs_then_starts_the_local_stack(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    answer = make("-n", "run", f"VENV={venv}")
    assert answer.returncode == 0, answer.stderr
    lines = answer.stdout.splitlines()
    torch = next(i for i, line in enumerate(lines) if "pip install torch==2.13.0" in line)
    project = next(i for i, line in enumerate(lines) if 'pip install -e ".[dev]"' in line)
    assert torch < project, "torch must be pinned before the project pulls an unpinned one"
    assert lines[-1].strip() == f"{venv}/bin/python -m services.run_local"


def test_test_runs_pytest_in_the_venv(tmp_path: Path) -> None:
    answer = make("-n", "test", f"VENV={tmp_path}/venv")
    assert answer.returncode == 0, answer.stderr
    assert answer.stdout.splitlines()[-1].strip() == (
        f'{tmp_path}/venv/bin/python -m pytest -q -m "not docker"'
    )


def test_install_is_skipped_when_the_stamp_is_newer_than_pyproject(tmp_path: Path) -> None:
    venv = installed_venv(tmp_path)
    answer = make("-n", "install", f"VENV={venv}")
    assert answer.returncode == 0, answer.stderr
    assert "pip install" not in answer.stdout


def test_bench_runs_both_benchmarks(tmp_path: Path) -> None:
    venv = installed_venv(tmp_path)
    out = make("-n", "bench", f"VENV={venv}").stdout
    assert f"{venv}/bin/python -m workers.tagger.bench" in out
    assert f"{venv}/bin/python -m services.bench_stack" in out


def test_test_compose_runs_the_docker_test_with_the_local_images(tmp_path: Path) -> None:
    venv = installed_venv(tmp_path)
    out = make("-n", "test-compose", f"VENV={venv}").stdout.splitlines()[-1]
    assert out.startswith("NEWSEVENTS_COMPOSE_ENV_FILE=docker/local.env ")
    assert out.endswith(
        f"{venv}/bin/python -m pytest -q -m docker -s tests/integration/test_compose_stack.py"
    )
    up_local = make("-n", "up-local").stdout.strip()
    assert up_local == "docker compose --env-file docker/local.env up -d --build"


def test_train_runs_the_recipe_of_the_bundled_model(tmp_path: Path) -> None:
    """``make train`` reproduces the shipped default model: every training option it passes
    (or leaves at its default) is the one recorded in the model's metadata."""
    venv = installed_venv(tmp_path)
    command = make("-n", "train", f"VENV={venv}").stdout.replace("\\\n", " ").strip()
    words = shlex.split(command.splitlines()[-1])
    assert words[:2] == [f"{venv}/bin/newsevents", "train"]
    options = vars(build_parser().parse_args(words[1:]))
    recorded = json.loads((DEFAULT_MODEL_DIR / "newsevents.json").read_text())["training"]
    where = {"data_dir", "output", "threads", "news_dir", "encoder"}  # paths and machine
    compared = {name for name in options if name in recorded} - where
    assert {
        "epochs",
        "encoder_lr",
        "argument_layers",
        "seed",
        "weight_average",
        "trigger_init",
    } <= compared
    assert {name: options[name] for name in compared} == {name: recorded[name] for name in compared}

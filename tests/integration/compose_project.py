"""Driving one `docker compose` project of docker-compose.yml from a test, for real.

Each test run gets a project name of its own (containers, network and volumes are named
after it) and free loopback host ports, so it never meets a stack a developer left running,
nor the Redis and PostgreSQL this machine already serves. The images are shared between
projects (docker-compose.yml names them), so a second run only re-checks the build cache.

The base images come from ``NEWSEVENTS_COMPOSE_ENV_FILE`` when set (``make test-compose``
sets docker/local.env, the stand-ins of ``make images-local``); when unset, docker/local.env
is used if its stand-in images exist, else the public images (Compose's defaults).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from shared.settings import REPO_ROOT

COMPOSE_FILE = REPO_ROOT / "docker-compose.yml"
LOCAL_ENV_FILE = REPO_ROOT / "docker" / "local.env"
ENV_FILE_VARIABLE = "NEWSEVENTS_COMPOSE_ENV_FILE"
#: A cold build on a busy two-core machine (torch, the model, three images) is slow.
BUILD_TIMEOUT_S = 1500


def docker_unavailable_reason() -> str | None:
    """Why the compose test cannot run here, or None when an engine and Compose v2 answer."""
    if shutil.which("docker") is None:
        return "no docker client on PATH (make docker-engine installs and starts one)"
    if run_quiet(["docker", "info"]) != 0:
        return "no Docker engine answers (make docker-engine starts one)"
    if run_quiet(["docker", "compose", "version"]) != 0:
        return "docker compose (Compose v2) is missing (make docker-engine installs it)"
    return None


def run_quiet(command: list[str]) -> int:
    try:
        return subprocess.run(command, capture_output=True, timeout=60, check=False).returncode
    except (OSError, subprocess.TimeoutExpired):
        return 1


def free_port() -> int:
    """A TCP port nothing listens on at 127.0.0.1 right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def env_file() -> Path | None:
    """The env file with the base images to build and run with (see the module docstring)."""
    chosen = os.environ.get(ENV_FILE_VARIABLE)
    if chosen is not None:
        return Path(chosen).resolve() if chosen else None
    stand_in = "newsevents-local/python:3.11"
    return LOCAL_ENV_FILE if run_quiet(["docker", "image", "inspect", stand_in]) == 0 else None


@dataclass
class ComposeProject:
    """One compose project on free loopback ports; ``compose(...)`` runs a subcommand."""

    name: str = field(default_factory=lambda: f"nevtest-{uuid.uuid4().hex[:8]}")
    intake_port: int = field(default_factory=free_port)
    redis_port: int = field(default_factory=free_port)
    postgres_port: int = field(default_factory=free_port)
    env_file: Path | None = field(default_factory=env_file)
    #: Compose files layered over docker-compose.yml (``-f``), e.g. a test's overrides.
    overrides: list[Path] = field(default_factory=list)

    @property
    def intake_url(self) -> str:
        return f"http://127.0.0.1:{self.intake_port}"

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.redis_port}/0"

    @property
    def database_url(self) -> str:
        return f"postgresql://newsevents:newsevents@127.0.0.1:{self.postgres_port}/newsevents"

    def command(self, *args: str) -> list[str]:
        base = ["docker", "compose", "-p", self.name, "-f", str(COMPOSE_FILE)]
        for override in self.overrides:
            base += ["-f", str(override)]
        if self.env_file is not None:
            base += ["--env-file", str(self.env_file)]
        return [*base, *args]

    def environment(self) -> dict[str, str]:
        return {
            **os.environ,
            "INTAKE_PORT": str(self.intake_port),
            "REDIS_PORT": str(self.redis_port),
            "POSTGRES_PORT": str(self.postgres_port),
        }

    def compose(self, *args: str, timeout_s: float = 300) -> subprocess.CompletedProcess[str]:
        """Run ``docker compose <args>`` for this project; raise with its output on failure."""
        answer = subprocess.run(
            self.command(*args),
            capture_output=True,
            text=True,
            env=self.environment(),
            cwd=REPO_ROOT,
            timeout=timeout_s,
            check=False,
        )
        if answer.returncode != 0:
            raise AssertionError(
                f"docker compose {' '.join(args)} exited {answer.returncode}\n"
                f"{answer.stdout[-4000:]}\n{answer.stderr[-4000:]}"
            )
        return answer

    def build(self) -> float:
        """Build the app images (cached layers are reused); the seconds it took."""
        started = time.monotonic()
        self.compose("build", "intake", "worker", timeout_s=BUILD_TIMEOUT_S)
        return time.monotonic() - started

    def up(self) -> float:
        """``up -d --wait``: start and wait until every service is healthy; the seconds it took."""
        started = time.monotonic()
        self.compose("up", "-d", "--no-build", "--wait", "--wait-timeout", "300", timeout_s=400)
        return time.monotonic() - started

    def down(self, *, volumes: bool) -> None:
        self.compose("down", *(["-v"] if volumes else []), timeout_s=300)

    def logs(self, *services: str, tail: int = 80) -> str:
        """The last lines of the services' logs, for a failure message (never raises)."""
        try:
            answer = subprocess.run(
                self.command("logs", "--no-color", "--tail", str(tail), *services),
                capture_output=True,
                text=True,
                env=self.environment(),
                timeout=60,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return "(docker compose logs timed out)"
        return answer.stdout + answer.stderr

    def volumes(self) -> list[str]:
        """This project's volume names, as Docker lists them."""
        answer = subprocess.run(
            [
                "docker",
                "volume",
                "ls",
                "-q",
                "--filter",
                f"label=com.docker.compose.project={self.name}",
            ],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        return sorted(answer.stdout.split())

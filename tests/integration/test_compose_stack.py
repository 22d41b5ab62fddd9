"""The docker-compose stack, built and run for real: Redis, PostgreSQL, the intake, a CPU worker.

The module builds the images (layer cache reused), starts one compose project on free
loopback ports and drives it the way a user does: seeds/ submitted through the published
intake port, events read back over HTTP and from the Redis results stream, the worker
container restarted in the middle of a batch, and the stack taken down and brought up again
to show that the Redis append-only file and the PostgreSQL data live on their volumes. It
ends with ``down -v``. Timings are printed (run with ``-s`` to see them).

Marked ``docker`` (``make test-compose``; ``make test`` leaves it out) and ``slow``. Without
a Docker engine it is skipped, naming what is missing.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import redis
from compose_project import ComposeProject, docker_unavailable_reason
from pipeline_helpers import TENANT, article_payload, statuses, stream_counts, wait_for

from services.commands.inputs import read_path
from services.intake.client import IntakeClient
from shared.settings import REPO_ROOT
from shared.store import Store

pytestmark = [pytest.mark.docker, pytest.mark.slow]

RESULTS_STREAM = "newsevents:results"
#: Articles of the restart test, queued in tasks of TASK_ARTICLES: the worker is restarted
#: while it extracts the first task and still has the others queued.
RESTART_BATCH = 24
#: The intake's NEWSEVENTS_WORKER_BATCH_SIZE in this test: small tasks, so that the warm
#: shutdown of a restart finishes the running one well within stop_grace_period (2 min) even
#: on a busy two-core machine.
TASK_ARTICLES = 4
#: Seconds a stack may take to process everything on a busy two-core machine.
PROCESS_TIMEOUT_S = 600.0


#: API tokens per compose project, created once in its intake container (they live in its
#: PostgreSQL volume, so they survive down and up).
_TOKENS: dict[str, str] = {}


def api_headers(project: ComposeProject) -> dict[str, str]:
    """Headers of every /v1 request: an API key of the test tenant, made with the CLI as an
    operator would (``newsevents keys create`` inside the running intake container)."""
    if project.name not in _TOKENS:
        created = project.compose(
            "exec", "-T", "intake", "newsevents", "keys", "create", "--tenant", TENANT, "--json"
        )
        _TOKENS[project.name] = json.loads(created.stdout.strip().splitlines()[-1])["token"]
    return {"Authorization": f"Bearer {_TOKENS[project.name]}"}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ComposeProject]:
    reason = docker_unavailable_reason()
    if reason is not None:
        print(f"\ncompose stack test skipped: {reason}")
        pytest.skip(reason)
    override = tmp_path_factory.mktemp("compose") / "small-tasks.yml"
    override.write_text(
        f"services:\n  intake:\n    environment:\n"
        f"      NEWSEVENTS_WORKER_BATCH_SIZE: '{TASK_ARTICLES}'\n",
        encoding="utf-8",
    )
    project = ComposeProject(overrides=[override])
    print(f"\ncompose project {project.name}, env file {project.env_file or '(public images)'}")
    print(f"build (cached layers reused): {project.build():.0f} s")
    try:
        yield project
    finally:
        project.down(volumes=True)
        assert project.volumes() == [], "down -v left volumes behind"


def intake(project: ComposeProject) -> IntakeClient:
    client = IntakeClient(project.intake_url)
    client._http.headers.update(api_headers(project))
    return client


def intake_answers(project: ComposeProject) -> bool:
    try:
        return httpx.get(f"{project.intake_url}/healthz", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def results(project: ComposeProject) -> redis.Redis:
    return redis.Redis.from_url(project.redis_url)


def seed_articles() -> list[dict[str, Any]]:
    batch = read_path(REPO_ROOT / "seeds")
    assert batch.problems == [] and batch.articles, batch.problems
    return [article.payload for article in batch.articles]


def submit(project: ComposeProject, articles: list[dict[str, Any]]) -> list[str]:
    with intake(project) as client:
        answer = client.submit(articles)
    assert answer.status_code == 202, answer.body
    return [entry["id"] for entry in answer.body["articles"]]


def wait_done(project: ComposeProject, ids: list[str]) -> None:
    store = Store(project.database_url)
    try:

        def all_done() -> bool:
            current = statuses(store, ids)
            return len(current) == len(ids) and set(current.values()) == {"done"}

        wait_for(
            all_done,
            f"{len(ids)} article(s) done",
            PROCESS_TIMEOUT_S,
            0.5,
            lambda: f"{statuses(store, ids)}\n{project.logs('worker')}",
        )
    finally:
        store.engine.dispose()


def events_over_http(project: ComposeProject, article_id: str) -> dict[str, Any]:
    answer = httpx.get(
        f"{project.intake_url}/v1/events",
        params={"article_id": article_id, "limit": 500},
        headers=api_headers(project),
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    page: dict[str, Any] = answer.json()
    return page


def test_seeds_go_in_through_the_published_port_and_events_come_out(
    stack: ComposeProject,
) -> None:
    started = time.monotonic()
    stack.compose("up", "-d", "--no-build", timeout_s=400)
    wait_for(
        lambda: intake_answers(stack), "the intake on its published port", 300, 0.5, stack.logs
    )
    ids = submit(stack, seed_articles())
    stream = results(stack)
    first: Any = wait_for(
        lambda: stream.xrange(RESULTS_STREAM, count=1), "the first result", 300, 0.2, stack.logs
    )
    print(f"docker compose up -> first event out: {time.monotonic() - started:.1f} s")
    stack.up()
    print(f"docker compose up -> every service healthy: {time.monotonic() - started:.0f} s")

    wait_done(stack, ids)
    assert stream_counts(stream, RESULTS_STREAM) == {article_id: 1 for article_id in ids}
    assert first[0][1][b"article_id"].decode() in ids
    for article_id in ids:
        with intake(stack) as client:
            article = client.article(article_id)
        assert article.status_code == 200 and article.body["status"] == "done", article.body
        stored_events = article.body["result"]["events"]
        assert stored_events, f"{article_id}: the seed article yields events"
        page = events_over_http(stack, article_id)
        assert page["total"] == len(stored_events)
        assert {event["article_id"] for event in page["items"]} == {article_id}


def test_a_worker_restart_mid_batch_loses_nothing_and_repeats_nothing(
    stack: ComposeProject,
) -> None:
    stack.up()
    seed = seed_articles()[0]
    articles = [
        article_payload(f"restart-{n:03d}", published_at=seed["published_at"])
        for n in range(RESTART_BATCH)
    ]
    ids = submit(stack, articles)
    store = Store(stack.database_url)
    try:

        def first_task_running() -> dict[str, list[str]] | None:
            by_state: dict[str, list[str]] = {}
            for article_id, state in statuses(store, ids).items():
                by_state.setdefault(state, []).append(article_id)
            return by_state if by_state.get("processing") else None

        at_restart = wait_for(
            first_task_running, "the first task to start", PROCESS_TIMEOUT_S, 0.1, stack.logs
        )
    finally:
        store.engine.dispose()
    assert len(at_restart.get("done", [])) < len(ids) - TASK_ARTICLES, "too late to restart"
    restart_started = time.monotonic()
    stack.compose("restart", "worker", timeout_s=300)
    counts_at_restart = {state: len(group) for state, group in at_restart.items()}
    print(
        f"worker restarted with {counts_at_restart} (restart, including the warm shutdown "
        f"that finishes the running task, took {time.monotonic() - restart_started:.0f} s)"
    )

    wait_done(stack, ids)
    counts = stream_counts(results(stack), RESULTS_STREAM)
    assert {article_id: counts[article_id] for article_id in ids} == dict.fromkeys(ids, 1)
    with intake(stack) as client:
        running = [client.article(article_id).body for article_id in at_restart["processing"]]
    # The warm shutdown finished the running task itself: no second attempt was needed.
    assert [(body["status"], body["attempts"]) for body in running] == [("done", 1)] * len(running)
    for article_id in ids[:: len(ids) // 8]:
        with intake(stack) as client:
            article = client.article(article_id)
        assert article.body["status"] == "done", article.body
        assert events_over_http(stack, article_id)["total"] == len(article.body["result"]["events"])


def test_redis_and_postgres_keep_their_data_across_down_and_up(stack: ComposeProject) -> None:
    stack.up()
    ids = submit(stack, [article_payload("volumes-check")])
    wait_done(stack, ids)
    stream_before = results(stack).xlen(RESULTS_STREAM)
    events_before = events_over_http(stack, "volumes-check")["total"]
    volumes = stack.volumes()
    assert len(volumes) == 2, volumes

    stack.down(volumes=False)
    assert stack.volumes() == volumes
    print(f"up again (volumes kept): {stack.up():.0f} s")

    assert results(stack).xlen(RESULTS_STREAM) == stream_before, "Redis lost its stream"
    assert events_over_http(stack, "volumes-check")["total"] == events_before
    with intake(stack) as client:
        article = client.article("volumes-check")
    assert article.body["status"] == "done", "PostgreSQL lost the article"
    aof = stack.compose("exec", "-T", "redis", "redis-cli", "CONFIG", "GET", "appendonly")
    assert aof.stdout.split() == ["appendonly", "yes"]
    print(f"after down/up: {stream_before} stream entries and the stored events kept")


def test_the_images_hold_no_build_tools_and_run_as_non_root(stack: ComposeProject) -> None:
    for service in ("intake", "worker"):
        probe = stack.compose(
            "run",
            "--rm",
            "--no-deps",
            "-T",
            "--entrypoint",
            "sh",
            service,
            "-c",
            # The base image's own pip (python:3.11-slim has one) is not the image's doing.
            "id -u; command -v gcc cc make; ls -d /opt/venv/bin/pip* /tmp/wheels 2>/dev/null; true",
        )
        lines = probe.stdout.split("\n")
        assert lines[0] == "10001", f"{service} runs as uid {lines[0]}"
        assert not any(line.startswith("/") for line in lines[1:]), f"{service}: {probe.stdout}"
    model = stack.compose(
        "run",
        "--rm",
        "--no-deps",
        "-T",
        "worker",
        "python",
        "-c",
        "from shared.settings import DEFAULT_MODEL_DIR as d;"
        "print((d / 'model.safetensors').is_file())",
    )
    assert model.stdout.strip().endswith("True"), "the model is not baked into the worker image"

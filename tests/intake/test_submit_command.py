"""``newsevents submit`` against a live intake (uvicorn subprocess) on Redis DB 13.

No worker runs here: where a test needs a finished article, it plays the worker's last
step itself by saving a result through the store, which is all the intake reads.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis
from intake_helpers import REDIS_URL, TENANT, create_key, finish_article, queued_article_ids

from shared.schemas import ExtractionResult
from shared.store import Store

pytestmark = pytest.mark.slow

REPO_ROOT = Path(__file__).resolve().parents[2]
SEED_ID = "ukrinform-2025-12-06-peace-talks"
STARTUP_TIMEOUT_S = 60.0
COMMAND_TIMEOUT_S = 120.0


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_until_healthy(process: subprocess.Popen[bytes], url: str) -> None:
    """Poll /healthz until it answers; fail with the server's output if it dies first."""
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read().decode() if process.stdout else ""
            pytest.fail(f"intake exited with {process.returncode}:\n{output}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    pytest.fail(f"intake did not answer /healthz within {STARTUP_TIMEOUT_S} s")


@pytest.fixture(scope="module")
def intake_database(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The SQLite file the live intake of this module writes to."""
    return f"sqlite:///{tmp_path_factory.mktemp('live-intake') / 'intake.db'}"


@pytest.fixture(scope="module")
def intake_url(intake_database: str) -> Iterator[str]:
    """Base URL of ``uvicorn services.intake.app:app`` on a free port, stopped afterwards."""
    port = free_port()
    env = {
        **os.environ,
        "NEWSEVENTS_DATABASE_URL": intake_database,
        "DATABASE_URL": intake_database,
        "NEWSEVENTS_REDIS_URL": REDIS_URL,
        "HF_HUB_OFFLINE": "1",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "services.intake.app:app", "--port", str(port)],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(process, url)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def live_key(intake_database: str) -> str:
    """An API key of ``TENANT`` in the live intake's store (migrated here if not yet)."""
    store = Store(intake_database)
    try:
        store.migrate()
        return create_key(store)
    finally:
        store.close()


@pytest.fixture
def live_store(intake_database: str) -> Iterator[Store]:
    """A second connection to the live intake's store, as a worker would open it."""
    store = Store(intake_database)
    yield store
    store.close()


def submit_command(*args: str) -> list[str]:
    """The command line of ``newsevents submit`` run through the CLI dispatcher."""
    return [sys.executable, "-m", "services.cli", "submit", *args]


def run_submit(*args: str, api_key: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``newsevents submit`` to completion (``api_key`` in NEWSEVENTS_API_KEY)."""
    env = {key: value for key, value in os.environ.items() if key != "NEWSEVENTS_API_KEY"}
    if api_key is not None:
        env["NEWSEVENTS_API_KEY"] = api_key
    return subprocess.run(
        submit_command(*args),
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT_S,
        env={**env, "HF_HUB_OFFLINE": "1"},
    )


def test_submit_folder_and_jsonl_stores_and_queues(
    tmp_path: Path,
    intake_url: str,
    live_key: str,
    live_store: Store,
    redis_client: redis.Redis,
) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    shutil.copy(REPO_ROOT / "seeds" / f"{SEED_ID}.txt", folder)
    shutil.copy(REPO_ROOT / "seeds" / f"{SEED_ID}.meta.json", folder)
    lines = tmp_path / "more.jsonl"
    lines.write_text(
        "\n".join(
            [
                json.dumps({"id": "live-1", "text": "Rebels seized the airport on Monday."}),
                "{not json",
                json.dumps({"id": "live-2", "text": "The minister resigned.", "lang": "en"}),
                json.dumps({"id": "live-3", "text": "Talks resumed in Geneva."}),
            ]
        ),
        encoding="utf-8",
    )
    done = run_submit(
        str(folder), str(lines), "--url", intake_url, "--batch", "2", api_key=live_key
    )
    # A skipped line and a rejected item make the exit status 1; the rest still went in.
    assert done.returncode == 1, done.stderr
    assert f"skipped: {lines}:2: invalid JSON" in done.stderr
    assert f"rejected: {lines}:3: lang: Extra inputs are not permitted" in done.stderr
    assert "submitted 4 articles: 3 queued, 0 duplicates, 1 rejected, 1 skipped" in done.stdout
    for article_id in (SEED_ID, "live-1", "live-3"):
        stored = live_store.get_article(TENANT, article_id)
        assert stored is not None and stored.status == "queued", article_id
    seed = live_store.get_article(TENANT, SEED_ID)
    assert seed is not None and seed.article.source == "Ukrinform"
    assert live_store.get_article(TENANT, "live-2") is None
    assert sorted(queued_article_ids(redis_client)) == sorted([SEED_ID, "live-1", "live-3"])

    again = run_submit(str(lines), "--url", intake_url, "--json", "--api-key", live_key)
    assert "duplicate:" in again.stderr and "'live-1'" in again.stderr
    entries = [json.loads(line) for line in again.stdout.splitlines()]
    assert [(entry["id"], entry["duplicate"]) for entry in entries] == [
        ("live-1", True),
        ("live-3", True),
    ]
    assert sorted(queued_article_ids(redis_client)) == sorted([SEED_ID, "live-1", "live-3"])


def _finish(store: Store, article_id: str, text: str) -> ExtractionResult:
    """Save a hand-built result for ``article_id``, as a worker would."""
    return finish_article(store, article_id, text, "seized", "Seize")


def _wait_for_article(store: Store, article_id: str) -> None:
    deadline = time.monotonic() + COMMAND_TIMEOUT_S
    while store.get_article(TENANT, article_id) is None:
        assert time.monotonic() < deadline, f"{article_id} never reached the store"
        time.sleep(0.1)


@pytest.mark.parametrize("as_json", [True, False])
def test_submit_wait_shows_the_results(
    tmp_path: Path,
    intake_url: str,
    live_key: str,
    live_store: Store,
    redis_client: redis.Redis,
    as_json: bool,
) -> None:
    article_id = f"wait-{as_json}"
    text = f"Soldiers seized the bridge ({article_id})."
    (tmp_path / f"{article_id}.txt").write_text(text, encoding="utf-8")
    args = [str(tmp_path), "--url", intake_url, "--wait", "--timeout", "60", "--api-key", live_key]
    process = subprocess.Popen(
        submit_command(*args, *(["--json"] if as_json else [])),
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_for_article(live_store, article_id)
        expected = _finish(live_store, article_id, text)
        stdout, stderr = process.communicate(timeout=COMMAND_TIMEOUT_S)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, stderr
    if as_json:
        [line] = stdout.splitlines()
        state = json.loads(line)
        assert state["status"] == "done"
        assert ExtractionResult.model_validate(state["result"]) == expected
    else:
        assert "Seize" in stdout and "seized" in stdout and article_id in stdout


def test_submit_wait_times_out_without_a_worker(
    tmp_path: Path, intake_url: str, live_key: str
) -> None:
    path = tmp_path / "lonely.txt"
    path.write_text("Nobody will ever process this article.", encoding="utf-8")
    done = run_submit(str(path), "--url", intake_url, "--wait", "--timeout", "1", api_key=live_key)
    assert done.returncode == 1
    assert "timed out: lonely is still queued" in done.stderr


def test_unreachable_intake_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("Some text.", encoding="utf-8")
    url = f"http://127.0.0.1:{free_port()}"
    done = run_submit(str(path), "--url", url)
    assert done.returncode == 2
    assert f"cannot reach the intake at {url}" in done.stderr


def test_a_missing_or_revoked_key_is_reported(tmp_path: Path, intake_url: str) -> None:
    path = tmp_path / "a.txt"
    path.write_text("Some text for nobody.", encoding="utf-8")
    done = run_submit(str(path), "--url", intake_url)
    assert done.returncode == 1
    assert "intake answered 401" in done.stderr and "Authorization: Bearer" in done.stderr
    wrong = run_submit(str(path), "--url", intake_url, api_key="ne_not-a-key")
    assert wrong.returncode == 1
    assert "not valid (unknown or revoked)" in wrong.stderr

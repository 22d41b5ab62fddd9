"""Several processes and threads on one database, as the intake and workers run it.

The processes are real ``python`` subprocesses with their own engines, so on SQLite this
exercises WAL, the busy timeout and BEGIN IMMEDIATE; on PostgreSQL the unique-constraint
race between two inserts of the same article.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import QueuePool, event

from shared.settings import REPO_ROOT
from shared.store import Store, Submission, SubmitOutcome
from shared.store.testing import temporary_postgres_database

from .factories import TALKS_TEXT, TENANT, make_article, talks_result

#: Submits the same articles as its siblings, then claims and completes each one.
#: Arguments: database URL, article count, directory holding factories.py.
CHILD = """
import dataclasses, json, sys
sys.path.insert(0, sys.argv[3])
from factories import TALKS_TEXT, TENANT, keys, make_article, save_result, talks_result
from shared.store import Store, Submission

url, count = sys.argv[1], int(sys.argv[2])
store = Store(url)
outcomes = []
for index in range(count):
    article = make_article(f"shared-{index}", text=f"{TALKS_TEXT} ({index})")
    [outcome] = store.submit_many(TENANT, [Submission(article)])
    outcomes.append(dataclasses.asdict(outcome))
    store.mark_processing(keys(article.id))
    save_result(store, talks_result(article.id))
store.close()
print(json.dumps(outcomes))
"""

ARTICLES_PER_CHILD = 15
CHILDREN = 3
FACTORIES_DIR = Path(__file__).resolve().parent


def url_of(store: Store) -> str:
    return store.engine.url.render_as_string(hide_password=False)


def run_children(url: str) -> list[list[dict[str, object]]]:
    """Start the children together, wait for all of them, and return their outcomes."""
    children = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, url, str(ARTICLES_PER_CHILD), str(FACTORIES_DIR)],
            cwd=REPO_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(CHILDREN)
    ]
    results = []
    try:
        for child in children:
            stdout, stderr = child.communicate(timeout=180)
            assert child.returncode == 0, stderr
            results.append(json.loads(stdout))
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
                child.wait()
    return results


def test_processes_share_the_database(store: Store) -> None:
    all_outcomes = run_children(url_of(store))

    new_per_id = Counter(
        outcome["id"]
        for outcomes in all_outcomes
        for outcome in outcomes
        if not outcome["duplicate"]
    )
    expected_ids = {f"shared-{index}" for index in range(ARTICLES_PER_CHILD)}
    assert set(new_per_id) == expected_ids
    assert set(new_per_id.values()) == {1}  # exactly one process stored each article
    for outcomes in all_outcomes:
        for outcome in outcomes:
            if outcome["duplicate"]:
                assert outcome["duplicate_of"] == outcome["id"]

    assert store.count_by_status()["done"] == ARTICLES_PER_CHILD
    stored = store.get_article(TENANT, "shared-0")
    assert stored is not None and stored.result == talks_result("shared-0")
    assert 1 <= stored.attempts <= CHILDREN


def test_threads_racing_on_one_article(database_url: str) -> None:
    threads_count = 6
    stores = [Store(database_url) for _ in range(threads_count)]
    barrier = threading.Barrier(threads_count, timeout=60)
    outcomes: list[SubmitOutcome] = []
    errors: list[BaseException] = []

    def submit(store: Store, index: int) -> None:
        try:
            barrier.wait()
            # Half use the same id, half the same text under their own id.
            article_id = "race" if index % 2 == 0 else f"race-copy-{index}"
            outcomes.extend(
                store.submit_many(TENANT, [Submission(make_article(article_id, TALKS_TEXT))])
            )
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)

    threads = [threading.Thread(target=submit, args=(s, i)) for i, s in enumerate(stores)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert errors == []
        winners = [outcome for outcome in outcomes if not outcome.duplicate]
        assert len(outcomes) == threads_count and len(winners) == 1
        assert {outcome.duplicate_of for outcome in outcomes if outcome.duplicate} == {
            winners[0].id
        }
        assert stores[0].count_by_status()["queued"] == 1
    finally:
        for store in stores:
            store.close()


@pytest.fixture
def postgres_store() -> Iterator[Store]:
    """A store on its own migrated PostgreSQL database."""
    with temporary_postgres_database() as url:
        store = Store(url)
        store.migrate()
        try:
            yield store
        finally:
            store.close()


@pytest.mark.postgres
def test_lost_insert_race_is_reported_as_duplicate(postgres_store: Store) -> None:
    """Another process commits the same article between our check and our insert.

    SQLite cannot get here (BEGIN IMMEDIATE serializes the writers), so this runs on
    PostgreSQL only, where READ COMMITTED lets both transactions pass the check.
    """
    rival = Store(url_of(postgres_store))
    rival_outcomes: list[SubmitOutcome] = []

    def rival_inserts_first(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        if statement.startswith("INSERT INTO articles") and not rival_outcomes:
            rival_outcomes.extend(
                rival.submit_many(TENANT, [Submission(make_article("rival-copy", TALKS_TEXT))])
            )

    event.listen(postgres_store.engine, "before_cursor_execute", rival_inserts_first)
    try:
        [outcome] = postgres_store.submit_many(
            TENANT, [Submission(make_article("mine", TALKS_TEXT))]
        )
    finally:
        event.remove(postgres_store.engine, "before_cursor_execute", rival_inserts_first)
        rival.close()
    assert rival_outcomes == [
        SubmitOutcome(id="rival-copy", status="queued", duplicate=False, duplicate_of=None)
    ]
    assert outcome == SubmitOutcome(
        id="mine", status="queued", duplicate=True, duplicate_of="rival-copy"
    )
    assert postgres_store.get_article(TENANT, "mine") is None


def pooled_connections(store: Store) -> int:
    """Idle connections in the store's pool (both backends use a QueuePool for files/servers)."""
    pool = store.engine.pool
    assert isinstance(pool, QueuePool)
    return pool.checkedin()


#: Uses the store, forks, and reports what the child inherited and could do. Run in a fresh
#: interpreter, like Celery's main process: forking the test runner itself (which by then
#: holds torch's thread pools and other threads' locks) can deadlock the child.
FORKING_PARENT = """
import json, multiprocessing, sys
sys.path.insert(0, sys.argv[2])
from factories import TENANT, make_article
from sqlalchemy import QueuePool
from shared.store import Store, Submission

def pooled(store):
    assert isinstance(store.engine.pool, QueuePool)
    return store.engine.pool.checkedin()

def child(store, queue):
    try:
        inherited = pooled(store)
        store.submit_many(TENANT, [Submission(make_article("from-child"))])
        queue.put((inherited, store.count_by_status()["queued"]))
    except BaseException as error:
        queue.put(repr(error))

store = Store(sys.argv[1])
store.submit_many(TENANT, [Submission(make_article("from-parent"))])
parent_pooled = pooled(store)
context = multiprocessing.get_context("fork")
queue = context.Queue()
process = context.Process(target=child, args=(store, queue))
process.start()
reported = queue.get(timeout=60)
process.join(timeout=60)
print(json.dumps({"parent_pooled": parent_pooled, "reported": reported,
                  "exitcode": process.exitcode,
                  "parent_after": store.count_by_status()["queued"]}))
"""


def test_forked_child_opens_its_own_connections(store: Store) -> None:
    """Celery's prefork pool forks after the parent used the store; both must keep working."""
    done = subprocess.run(
        [sys.executable, "-c", FORKING_PARENT, url_of(store), str(FACTORIES_DIR)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["parent_pooled"] >= 1  # the parent held a pooled connection when it forked
    assert report["reported"] == [0, 2]  # the child dropped it and opened its own
    assert report["exitcode"] == 0
    assert report["parent_after"] == 2  # the parent's connections still work

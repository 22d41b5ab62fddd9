"""Liveness and readiness of the intake, against the real Redis and store."""

from __future__ import annotations

import threading

import pytest
from fastapi.testclient import TestClient

from services.intake.app import create_app
from shared.settings import Settings


def test_healthz_is_ok(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_is_503_without_a_worker(client: TestClient) -> None:
    # Redis and the store answer; no worker listens on Redis DB 13 during the tests.
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {
        "ready": False,
        "checks": {"redis": True, "store": True, "store_writable": True, "workers": 0},
    }


def test_readyz_reports_redis_down(database_url: str) -> None:
    settings = Settings(database_url=database_url, redis_url="redis://127.0.0.1:1/13")
    with TestClient(create_app(settings)) as client:
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"] == {
        "redis": False,
        "store": True,
        "store_writable": True,
        "workers": 0,
    }


def test_healthz_answers_while_every_pool_thread_is_stuck(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A stalled database holds every thread of the pool that plain routes run in; liveness
    must still answer (it runs on the event loop)."""
    release = threading.Event()
    stuck = threading.Semaphore(0)
    store = client.app.state.store  # type: ignore[attr-defined]

    def stalled_get_article(tenant: str, article_id: str) -> None:
        stuck.release()
        release.wait(30)

    monkeypatch.setattr(store, "get_article", stalled_get_article)
    pool = 40  # anyio's default thread limit for sync routes
    callers = [
        threading.Thread(target=client.get, args=(f"/v1/articles/a-{i}",), daemon=True)
        for i in range(pool)
    ]
    for caller in callers:
        caller.start()
    try:
        for _ in range(pool):
            assert stuck.acquire(timeout=10), "the pool threads did not all get stuck"
        answers: list[int] = []
        probe = threading.Thread(
            target=lambda: answers.append(client.get("/healthz").status_code), daemon=True
        )
        probe.start()
        probe.join(5)
        assert answers == [200]
    finally:
        release.set()
        for caller in callers:
            caller.join(10)

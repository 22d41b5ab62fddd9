"""Liveness and readiness of the intake, against the real Redis and store."""

from __future__ import annotations

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
        "checks": {"redis": True, "store": True, "workers": 0},
    }


def test_readyz_reports_redis_down(database_url: str) -> None:
    settings = Settings(database_url=database_url, redis_url="redis://127.0.0.1:1/13")
    with TestClient(create_app(settings)) as client:
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"redis": False, "store": True, "workers": 0}

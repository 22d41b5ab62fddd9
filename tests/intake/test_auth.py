"""API keys on the intake: every /v1 route needs one; the operational routes stay open."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

import pytest
import redis
from fastapi.testclient import TestClient
from intake_helpers import REDIS_URL, TENANT, article, authorize, create_key

from services.intake.app import create_app
from services.intake.auth import Authenticator
from services.intake.errors import IntakeError
from shared.settings import Settings
from shared.store import Store
from shared.store.api_keys import ApiKeys
from shared.tenants import DEFAULT_TENANT

TEXT = "Delegations met in Florida on November 30."
V1_CALLS = [
    ("POST", "/v1/articles"),
    ("GET", "/v1/articles/a-1"),
    ("GET", "/v1/events"),
]


@pytest.fixture
def anonymous(settings: Settings, redis_client: redis.Redis) -> Iterator[TestClient]:
    """A client of an intake that requires keys (looked up every time), sending none."""
    uncached = settings.model_copy(update={"api_key_cache_s": 0.0})
    with TestClient(create_app(uncached)) as test_client:
        yield test_client


def call(client: TestClient, method: str, path: str, token: str | None = None) -> int:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    body = article("a-1", TEXT) if method == "POST" else None
    response = client.request(method, path, json=body, headers=headers)
    if response.status_code == 401:
        assert response.headers["www-authenticate"] == "Bearer"
        assert response.json()["detail"]
    return response.status_code


@pytest.mark.parametrize(("method", "path"), V1_CALLS)
def test_no_key_bad_key_and_revoked_key_are_401(
    anonymous: TestClient, method: str, path: str
) -> None:
    store: Store = anonymous.app.state.store  # type: ignore[attr-defined]
    assert call(anonymous, method, path) == 401
    assert call(anonymous, method, path, "ne_made-up") == 401
    assert call(anonymous, method, path, "") == 401
    response = anonymous.request(method, path, headers={"Authorization": "Basic dXNlcjpwdw=="})
    assert response.status_code == 401

    keys = ApiKeys(store)
    key, token = keys.create(TENANT)
    assert call(anonymous, method, path, token) in (200, 202, 404)
    keys.revoke(key.id)
    assert call(anonymous, method, path, token) == 401


def test_nothing_is_stored_without_a_key(anonymous: TestClient) -> None:
    store: Store = anonymous.app.state.store  # type: ignore[attr-defined]
    assert anonymous.post("/v1/articles", json=article("a-1", TEXT)).status_code == 401
    assert sum(store.count_by_status().values()) == 0


def test_revocation_takes_effect_after_the_cache_time(
    database_url: str, redis_client: redis.Redis
) -> None:
    settings = Settings(database_url=database_url, redis_url=REDIS_URL, api_key_cache_s=0.3)
    with TestClient(create_app(settings)) as client:
        store: Store = client.app.state.store  # type: ignore[attr-defined]
        keys = ApiKeys(store)
        key, token = keys.create(TENANT)
        headers = {"Authorization": f"Bearer {token}"}
        assert client.get("/v1/events", headers=headers).status_code == 200
        keys.revoke(key.id)
        time.sleep(0.4)  # longer than api_key_cache_s
        assert client.get("/v1/events", headers=headers).status_code == 401


def test_a_checked_key_is_remembered_for_the_cache_time(store: Store, settings: Settings) -> None:
    now = [100.0]
    authenticator = Authenticator(ApiKeys(store), settings, clock=lambda: now[0])
    key, token = ApiKeys(store).create("cached")
    assert authenticator.principal(token).tenant == "cached"
    ApiKeys(store).revoke(key.id)
    now[0] += settings.api_key_cache_s - 0.1
    assert authenticator.principal(token).tenant == "cached"  # still remembered
    now[0] += 0.2
    with pytest.raises(IntakeError) as refused:
        authenticator.principal(token)
    assert refused.value.status_code == 401


def test_a_new_key_works_at_once(anonymous: TestClient) -> None:
    store: Store = anonymous.app.state.store  # type: ignore[attr-defined]
    assert call(anonymous, "GET", "/v1/events", "ne_not-yet") == 401
    token = create_key(store)
    assert call(anonymous, "GET", "/v1/events", token) == 200


@pytest.mark.parametrize("path", ["/healthz", "/openapi.json", "/docs"])
def test_operational_routes_need_no_key(anonymous: TestClient, path: str) -> None:
    assert anonymous.get(path).status_code == 200


def test_readyz_needs_no_key(anonymous: TestClient) -> None:
    assert anonymous.get("/readyz").status_code in (200, 503)  # no worker runs here


def test_openapi_declares_the_bearer_scheme_on_every_v1_route(anonymous: TestClient) -> None:
    schema = anonymous.get("/openapi.json").json()
    scheme = schema["components"]["securitySchemes"]["ApiKey"]
    assert scheme == {
        "type": "http",
        "scheme": "bearer",
        "description": scheme["description"],
    }
    for path, operations in schema["paths"].items():
        for operation in operations.values():
            secured = operation.get("security") == [{"ApiKey": []}]
            assert secured == path.startswith("/v1/"), path
            if secured:
                assert {"401", "429"} <= set(operation["responses"]), path


def test_auth_off_puts_every_request_in_the_default_tenant_and_warns(
    database_url: str, redis_client: redis.Redis, caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings(database_url=database_url, redis_url=REDIS_URL, auth_required=False)
    app = create_app(settings)
    with caplog.at_level(logging.WARNING, logger="services.intake.app"), TestClient(app) as client:
        assert client.post("/v1/articles", json=article("a-1", TEXT)).status_code == 202
        # A key is not needed, and one that is sent changes nothing.
        authorize(client, "acme")
        assert client.get("/v1/articles/a-1").status_code == 200
        store: Store = client.app.state.store  # type: ignore[attr-defined]
        assert store.get_article(DEFAULT_TENANT, "a-1") is not None
        assert store.get_article("acme", "a-1") is None
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("authentication is OFF" in message for message in warnings)


def test_no_warning_when_auth_is_on(
    settings: Settings, redis_client: redis.Redis, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(settings)
    with caplog.at_level(logging.WARNING, logger="services.intake.app"), TestClient(app):
        pass
    assert not [r for r in caplog.records if "authentication is OFF" in r.getMessage()]

"""``newsevents keys create|list|revoke`` round trip, checked against a real intake app."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import redis
from fastapi.testclient import TestClient

from services.intake.app import create_app
from shared.settings import REPO_ROOT, Settings


def keys_command(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``newsevents keys ARGS`` on the store at ``database_url``."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("NEWSEVENTS_") and key != "DATABASE_URL"
    }
    env["DATABASE_URL"] = database_url
    return subprocess.run(
        [sys.executable, "-m", "services.cli", "keys", *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_create_list_revoke_round_trip(
    database_url: str, settings: Settings, redis_client: redis.Redis
) -> None:
    created = keys_command(
        database_url,
        "create",
        "--tenant",
        "acme",
        "--name",
        "ingest",
        "--requests-per-minute",
        "100",
    )
    assert created.returncode == 0, created.stderr
    [token] = created.stdout.split()
    assert token.startswith("ne_")
    assert "shown only now" in created.stderr and token not in created.stderr

    listed = keys_command(database_url, "list", "--json")
    assert listed.returncode == 0, listed.stderr
    [entry] = [json.loads(line) for line in listed.stdout.splitlines()]
    assert (entry["tenant"], entry["name"], entry["requests_per_minute"]) == ("acme", "ingest", 100)
    assert entry["chars_per_day"] is None and entry["revoked_at"] is None
    assert token not in listed.stdout
    plain = keys_command(database_url, "list")
    assert entry["id"] in plain.stdout and "active" in plain.stdout and token not in plain.stdout

    uncached = settings.model_copy(update={"api_key_cache_s": 0.0})
    with TestClient(create_app(uncached)) as client:
        headers = {"Authorization": f"Bearer {token}"}
        assert client.get("/v1/events", headers=headers).status_code == 200

        revoked = keys_command(database_url, "revoke", entry["id"])
        assert revoked.returncode == 0, revoked.stderr
        assert f"revoked key {entry['id']} of tenant 'acme'" in revoked.stdout
        assert client.get("/v1/events", headers=headers).status_code == 401

    after = keys_command(database_url, "list", "--tenant", "acme")
    assert "revoked" in after.stdout


def test_create_json_and_refusals(tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'keys' / 'store.db'}"
    created = keys_command(database_url, "create", "--tenant", "t2", "--json")
    assert created.returncode == 0, created.stderr
    described = json.loads(created.stdout)
    assert described["tenant"] == "t2" and described["token"].startswith("ne_")

    bad_tenant = keys_command(database_url, "create", "--tenant", "Not/Valid")
    assert bad_tenant.returncode == 1 and "tenant name" in bad_tenant.stderr
    negative = keys_command(database_url, "create", "--tenant", "t2", "--chars-per-day", "-1")
    assert negative.returncode == 2 and "0 (unlimited) or more" in negative.stderr
    unknown = keys_command(database_url, "revoke", "nope")
    assert unknown.returncode == 1 and "no API key with id 'nope'" in unknown.stderr
    other_tenant = keys_command(database_url, "list", "--tenant", "acme")
    assert other_tenant.returncode == 0 and other_tenant.stdout == ""

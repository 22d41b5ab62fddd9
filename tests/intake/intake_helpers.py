"""Helpers for the intake tests: API keys for test clients, queued Celery tasks read back.

Kombu's Redis transport keeps one list per queue, named after the queue; each entry is a
JSON envelope whose ``body`` (base64) holds the task's ``[args, kwargs, embed]``. The
intake queues store keys ``"<tenant>/<id>"``.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import redis
from fastapi.testclient import TestClient

from shared.queues import EXTRACT_QUEUE, EXTRACT_TASK
from shared.redis_testing import redis_test_url
from shared.schemas import Event, ExtractionResult, ModelInfo, Span
from shared.store import Store
from shared.store.api_keys import ApiKeys
from shared.tenants import split_store_key, store_key

#: The Redis database reserved for the intake tests (other test areas use other numbers).
REDIS_URL = redis_test_url(13)
#: The tenant of the API key the ``client`` fixture sends.
TENANT = "acme"


def create_key(store: Store, tenant: str = TENANT, **quotas: int | None) -> str:
    """A new API key of ``tenant`` in ``store``; its token."""
    _key, token = ApiKeys(store).create(tenant, "test", **quotas)  # type: ignore[arg-type]
    return token


def authorize(client: TestClient, tenant: str = TENANT, **quotas: int | None) -> str:
    """Give a started TestClient a new key of ``tenant`` for all its requests; the token."""
    store: Store = client.app.state.store  # type: ignore[attr-defined]
    token = create_key(store, tenant, **quotas)
    client.headers["Authorization"] = f"Bearer {token}"
    return token


def queued_messages(client: redis.Redis) -> list[dict[str, Any]]:
    """Every message waiting in the ``newsevents`` queue, oldest first."""
    raw = client.lrange(EXTRACT_QUEUE, 0, -1)
    # LPUSH puts the newest at the head, so reverse for sending order.
    return [json.loads(entry) for entry in reversed(raw)]


def queued_article_ids(client: redis.Redis, tenant: str = TENANT) -> list[str]:
    """The client ids of every queued extract task, in sending order (all of ``tenant``)."""
    ids = []
    for key in queued_keys(client):
        key_tenant, article_id = split_store_key(key)
        assert key_tenant == tenant, key
        ids.append(article_id)
    return ids


def queued_keys(client: redis.Redis) -> list[str]:
    """The store keys of every queued extract task, in sending order."""
    ids: list[str] = []
    for message in queued_messages(client):
        assert message["headers"]["task"] == EXTRACT_TASK
        body = message["body"]
        if message["properties"].get("body_encoding") == "base64":
            body = base64.b64decode(body)
        args, _kwargs, _embed = json.loads(body)
        ids.extend(args[0])
    return ids


def article(article_id: str | None, text: str, **fields: Any) -> dict[str, Any]:
    """A JSON article payload; ``article_id`` None leaves the id out."""
    payload: dict[str, Any] = {"text": text, **fields}
    if article_id is not None:
        payload["id"] = article_id
    return payload


def span_of(text: str, words: str) -> dict[str, Any]:
    """A Span dict for the first occurrence of ``words`` in ``text``."""
    start = text.index(words)
    return {"text": words, "start": start, "end": start + len(words)}


def finish_article(
    store: Store, article_id: str, text: str, trigger: str, event_type: str, tenant: str = TENANT
) -> ExtractionResult:
    """Save a hand-built one-event result for the tenant's article, as a worker would."""
    start = text.index(trigger)
    result = ExtractionResult(
        article_id=article_id,
        model=ModelInfo(name="hand-built", version="0"),
        events=[
            Event(
                type=event_type,
                trigger=Span(text=trigger, start=start, end=start + len(trigger)),
                confidence=0.9,
                sentence=0,
            )
        ],
    )
    assert store.save_result(store_key(tenant, article_id), result)
    return result

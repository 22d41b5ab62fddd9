"""Helpers for the intake tests: reading queued Celery tasks back from the Redis list.

Kombu's Redis transport keeps one list per queue, named after the queue; each entry is a
JSON envelope whose ``body`` (base64) holds the task's ``[args, kwargs, embed]``.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import redis

from shared.queues import EXTRACT_QUEUE, EXTRACT_TASK
from shared.redis_testing import redis_test_url

#: The Redis database reserved for the intake tests (other test areas use other numbers).
REDIS_URL = redis_test_url(13)


def queued_messages(client: redis.Redis) -> list[dict[str, Any]]:
    """Every message waiting in the ``newsevents`` queue, oldest first."""
    raw = client.lrange(EXTRACT_QUEUE, 0, -1)
    # LPUSH puts the newest at the head, so reverse for sending order.
    return [json.loads(entry) for entry in reversed(raw)]


def queued_article_ids(client: redis.Redis) -> list[str]:
    """The article ids of every queued extract task, in sending order."""
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

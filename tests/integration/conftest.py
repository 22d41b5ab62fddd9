"""Fixtures of the integration tests: ``live_stack``, a running stack (``viewer_stack``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from viewer_stack import LIVE_REDIS_URL, OTHER_TENANT, TENANT, LiveStack

from services.local_stack import (
    LocalStack,
    StackConfig,
    create_api_key,
    free_port,
    fresh_sqlite_url,
)
from shared.redis_testing import flushed_redis


@pytest.fixture(scope="session")
def live_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveStack]:
    """Intake, extraction worker and callbacks worker with metrics on, until the session ends."""
    folder = tmp_path_factory.mktemp("live-stack")
    worker_port, callback_port = free_port(), free_port()
    config = StackConfig(
        redis_url=LIVE_REDIS_URL,
        database_url=fresh_sqlite_url(folder / "newsevents.db"),
        intake_port=free_port(),
        log_dir=folder / "log",
        ready_timeout_s=240.0,
        extra_env={
            "NEWSEVENTS_WORKER_METRICS_PORT": str(worker_port),
            "NEWSEVENTS_CALLBACK_METRICS_PORT": str(callback_port),
            "NEWSEVENTS_CALLBACK_ALLOWED_NETWORKS": "127.0.0.1/32",
        },
        tenant=TENANT,
    )
    with flushed_redis(LIVE_REDIS_URL), LocalStack(config) as stack:
        other_key = create_api_key(config.database_url, OTHER_TENANT, "other tenant")
        yield LiveStack(
            url=config.intake_url,
            api_key=stack.api_key,
            other_key=other_key,
            worker_metrics_url=f"http://127.0.0.1:{worker_port}/metrics",
            callback_metrics_url=f"http://127.0.0.1:{callback_port}/metrics",
        )

"""The running stack the viewer's browser tests and the metrics test share: its addresses.

The fixture that starts it is ``live_stack`` in ``conftest.py``: one intake, one extraction
worker (the repository's model) and one callbacks worker, started as ``make run`` starts
them (``services.local_stack``), on Redis DB 11 and a SQLite file, with both workers'
metrics endpoints on. It starts once per session (loading the model is the slow part) and
only when a test asks for it.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from shared.redis_testing import redis_test_url

#: The Redis database of the live stack (the other areas use 12 to 15).
LIVE_REDIS_URL = redis_test_url(11)
#: Tenant of the stack's API key, and of a second key that must never see its data.
TENANT = "viewer"
OTHER_TENANT = "viewer-other"


@dataclass(frozen=True)
class LiveStack:
    """Addresses and keys of the running stack."""

    url: str
    api_key: str
    other_key: str
    worker_metrics_url: str
    callback_metrics_url: str

    def client(self, key: str | None = None) -> httpx.Client:
        """An HTTP client of the intake sending ``key`` (the stack's own by default)."""
        headers = {"Authorization": f"Bearer {key or self.api_key}"}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30.0)

"""Who is calling: the API key of a ``/v1`` request, its tenant and its quotas.

Every ``/v1`` route depends on ``PrincipalDep``: it reads ``Authorization: Bearer <token>``,
looks the key up (``shared.store.api_keys``) and charges one request to the key's
per-minute quota. A missing, unknown or revoked key is a 401 with ``WWW-Authenticate:
Bearer``; the operational routes (``/healthz``, ``/readyz``, ``/docs``, ``/openapi.json``)
do not depend on it and stay open.

Checked keys are remembered for ``api_key_cache_s`` seconds (default 5) by the hash of
their token, so a busy client costs one database read per key per few seconds instead of
one per request; a revoked key therefore stops working within that time. Unknown tokens
are not remembered, so a key works the moment it is created.

With ``auth_required`` off (a laptop), no key is asked for and every request belongs to
``shared.tenants.DEFAULT_TENANT``, with the default quotas.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from services.intake.errors import IntakeError
from services.intake.quotas import Limits, QuotaCounter
from shared.settings import Settings
from shared.store.api_keys import ApiKey, ApiKeys, hash_token
from shared.tenants import DEFAULT_TENANT

#: The OpenAPI security scheme of the /v1 routes (declared in /openapi.json).
bearer_scheme = HTTPBearer(
    auto_error=False,
    scheme_name="ApiKey",
    description="An API key created with `newsevents keys create --tenant NAME`, sent as "
    "`Authorization: Bearer ne_...`.",
)
#: Most keys remembered at once; the cache is emptied when it is full.
MAX_CACHED_KEYS = 10_000
#: The quota subject of requests made while authentication is off.
OPEN_SUBJECT = "auth-off"


@dataclass(frozen=True)
class Principal:
    """The caller of one request: the tenant its data belongs to and its quota limits."""

    tenant: str
    limits: Limits


def unauthorized(message: str) -> IntakeError:
    """The 401 answer, with the challenge a client library expects."""
    return IntakeError(401, message, headers={"WWW-Authenticate": "Bearer"})


class Authenticator:
    """Turns a bearer token into a ``Principal``, remembering checked keys briefly."""

    def __init__(
        self, keys: ApiKeys, settings: Settings, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._keys = keys
        self._settings = settings
        self._clock = clock
        self._cache: dict[str, tuple[float, ApiKey]] = {}
        self._lock = threading.Lock()

    def limits(self, subject: str, key: ApiKey | None) -> Limits:
        """The key's quotas, the defaults where it sets none."""
        settings = self._settings
        per_minute = key.requests_per_minute if key else None
        per_day = key.chars_per_day if key else None
        return Limits(
            subject=subject,
            requests_per_minute=(
                settings.quota_requests_per_minute if per_minute is None else per_minute
            ),
            chars_per_day=settings.quota_chars_per_day if per_day is None else per_day,
        )

    def principal(self, token: str | None) -> Principal:
        """The caller named by ``token``; IntakeError(401) when it names no active key."""
        if not self._settings.auth_required:
            return Principal(tenant=DEFAULT_TENANT, limits=self.limits(OPEN_SUBJECT, None))
        if not token:
            raise unauthorized(
                "authentication required: send an API key as 'Authorization: Bearer <key>'"
            )
        key = self._lookup(token)
        if key is None:
            raise unauthorized("the API key is not valid (unknown or revoked)")
        return Principal(tenant=key.tenant, limits=self.limits(key.id, key))

    def _lookup(self, token: str) -> ApiKey | None:
        digest = hash_token(token)
        now = self._clock()
        with self._lock:
            cached = self._cache.get(digest)
        if cached is not None and cached[0] > now:
            return cached[1]
        key = self._keys.authenticate(token)
        ttl = self._settings.api_key_cache_s
        with self._lock:
            if key is None or ttl <= 0:
                self._cache.pop(digest, None)
            else:
                if len(self._cache) >= MAX_CACHED_KEYS:
                    self._cache.clear()
                self._cache[digest] = (now + ttl, key)
        return key


def authenticate(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> Principal:
    """FastAPI dependency: the request's principal, with one request charged to its quota."""
    authenticator: Authenticator = request.app.state.authenticator
    quotas: QuotaCounter = request.app.state.quotas
    principal = authenticator.principal(credentials.credentials if credentials else None)
    quotas.charge_request(principal.limits)
    return principal


PrincipalDep = Annotated[Principal, Depends(authenticate)]

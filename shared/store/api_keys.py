"""API keys in the store: create (the token is shown once), list, revoke, authenticate.

A key is a random token ``ne_`` + 32 random bytes (URL-safe base64): with 256 bits of
entropy a plain SHA-256 of the token is enough to store (a slow password hash would only
slow down every request; nobody can brute-force 2**256). The database holds the hash and
never the token, so a copy of the database does not let anyone in. Lookups go by the
hash's unique index.

Each key belongs to one tenant and may override the intake's default quotas (None keeps
the default, 0 means unlimited).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from shared.store.engine import write_engine
from shared.store.store import Store
from shared.store.tables import ApiKeyRow, utc_now
from shared.tenants import tenant_problem

#: Every token starts with this, so a leaked one is easy to recognise (and to scan for).
TOKEN_PREFIX = "ne_"
#: Random bytes in a token.
TOKEN_BYTES = 32
#: Longest key name (characters).
MAX_NAME_CHARS = 128


class ApiKeyError(ValueError):
    """A key cannot be created as asked (bad tenant, name or quota)."""


@dataclass(frozen=True)
class ApiKey:
    """A stored key, without its secret."""

    id: str
    tenant: str
    name: str | None
    created_at: dt.datetime
    revoked_at: dt.datetime | None
    requests_per_minute: int | None
    chars_per_day: int | None

    @property
    def active(self) -> bool:
        """Whether the key still opens the API."""
        return self.revoked_at is None


def hash_token(token: str) -> str:
    """SHA-256 hex of a token: what the store keeps and looks keys up by."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    """A fresh random token."""
    return TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)


def _record(row: ApiKeyRow) -> ApiKey:
    return ApiKey(
        id=row.id,
        tenant=row.tenant,
        name=row.name,
        created_at=row.created_at,
        revoked_at=row.revoked_at,
        requests_per_minute=row.requests_per_minute,
        chars_per_day=row.chars_per_day,
    )


def _check_quota(name: str, value: int | None) -> None:
    if value is not None and value < 0:
        raise ApiKeyError(f"{name} must be 0 (unlimited) or more, not {value}")


class ApiKeys:
    """The API keys held by a store's database."""

    def __init__(self, store: Store) -> None:
        self._read = sessionmaker(store.engine, expire_on_commit=False)
        self._write = sessionmaker(write_engine(store.engine), expire_on_commit=False)

    def create(
        self,
        tenant: str,
        name: str | None = None,
        *,
        requests_per_minute: int | None = None,
        chars_per_day: int | None = None,
    ) -> tuple[ApiKey, str]:
        """A new active key of ``tenant`` and its token (returned here and never again)."""
        problem = tenant_problem(tenant)
        if problem:
            raise ApiKeyError(problem)
        if name is not None and len(name) > MAX_NAME_CHARS:
            raise ApiKeyError(f"key name is longer than {MAX_NAME_CHARS} characters")
        _check_quota("requests_per_minute", requests_per_minute)
        _check_quota("chars_per_day", chars_per_day)
        token = new_token()
        row = ApiKeyRow(
            id=secrets.token_hex(8),
            tenant=tenant,
            name=name,
            secret_hash=hash_token(token),
            created_at=utc_now(),
            revoked_at=None,
            requests_per_minute=requests_per_minute,
            chars_per_day=chars_per_day,
        )
        with self._write.begin() as session:
            session.add(row)
        return _record(row), token

    def list(self, tenant: str | None = None) -> list[ApiKey]:
        """Every key (or every key of ``tenant``), revoked ones included, oldest first."""
        statement = select(ApiKeyRow).order_by(ApiKeyRow.created_at, ApiKeyRow.id)
        if tenant is not None:
            statement = statement.where(ApiKeyRow.tenant == tenant)
        with self._read() as session:
            return [_record(row) for row in session.scalars(statement)]

    def revoke(self, key_id: str) -> ApiKey | None:
        """Revoke key ``key_id`` (again: no change); the key, or None when there is none."""
        with self._write.begin() as session:
            row = session.get(ApiKeyRow, key_id)
            if row is None:
                return None
            if row.revoked_at is None:
                row.revoked_at = utc_now()
            return _record(row)

    def authenticate(self, token: str) -> ApiKey | None:
        """The active key whose token is ``token``, else None (unknown or revoked)."""
        with self._read() as session:
            row = session.scalars(
                select(ApiKeyRow).where(ApiKeyRow.secret_hash == hash_token(token))
            ).one_or_none()
            if row is None or row.revoked_at is not None:
                return None
            return _record(row)

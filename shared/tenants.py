"""Tenants and store keys: how one database holds the articles of several clients apart.

Every API key belongs to a tenant, and everything a request stores or reads is scoped to
the tenant of its key. Inside the store (and on the queue) an article is named by its
*store key* ``"<tenant>/<id>"``: a tenant name never contains ``/`` and neither does an
article id (``shared.schemas.id_problem``), so the key splits back unambiguously and two
tenants using the same id hold two different articles. Clients never see a store key:
answers, results, stream entries and callbacks carry the client's own id.
"""

from __future__ import annotations

import re

#: The tenant every request belongs to when authentication is switched off, and the
#: tenant that articles stored before tenants existed were given by the migration.
DEFAULT_TENANT = "default"
#: Longest tenant name (characters).
MAX_TENANT_CHARS = 64
#: Longest article id (characters); the same limit as ``shared.schemas.Article.id``.
MAX_ID_CHARS = 256
#: Longest store key: tenant, separator, id.
MAX_KEY_CHARS = MAX_TENANT_CHARS + 1 + MAX_ID_CHARS
#: Separator between tenant and id in a store key.
SEPARATOR = "/"

_TENANT_PATTERN = re.compile(r"[a-z0-9][a-z0-9_.-]*")


def tenant_problem(name: str) -> str | None:
    """Why ``name`` cannot be a tenant name, or None when it can.

    Lower-case letters, digits, ``_``, ``.`` and ``-`` only (starting with a letter or
    digit): tenant names end up in store keys, Redis keys and log lines.
    """
    if not name:
        return "tenant name must not be empty"
    if len(name) > MAX_TENANT_CHARS:
        return f"tenant name is longer than {MAX_TENANT_CHARS} characters"
    if not _TENANT_PATTERN.fullmatch(name):
        return (
            f"tenant name {name!r} may hold only lower-case letters, digits, '_', '.' and '-', "
            "starting with a letter or digit"
        )
    return None


def store_key(tenant: str, article_id: str) -> str:
    """The store key of article ``article_id`` of ``tenant``."""
    return f"{tenant}{SEPARATOR}{article_id}"


def split_store_key(key: str) -> tuple[str, str]:
    """``(tenant, article_id)`` of a store key; ValueError for a string that is not one."""
    tenant, separator, article_id = key.partition(SEPARATOR)
    if not separator or not tenant or not article_id:
        raise ValueError(f"{key!r} is not a store key '<tenant>/<id>'")
    return tenant, article_id


def client_id(key: str) -> str:
    """The client's article id inside a store key."""
    return split_store_key(key)[1]

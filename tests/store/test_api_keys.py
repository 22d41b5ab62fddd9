"""API keys in the store: created with a token shown once, stored hashed, listed, revoked."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from shared.store import Store
from shared.store.api_keys import TOKEN_PREFIX, ApiKeyError, ApiKeys, hash_token


def dump_database(store: Store) -> str:
    """Every value of every row of every table, as one string."""
    values: list[str] = []
    with store.engine.connect() as connection:
        for table in ("api_keys", "articles", "events", "arguments"):
            for row in connection.execute(text(f"SELECT * FROM {table}")):
                values.extend(str(value) for value in row)
    return "\n".join(values)


def test_create_authenticate_and_revoke(store: Store) -> None:
    keys = ApiKeys(store)
    key, token = keys.create("acme", "ingest", requests_per_minute=10, chars_per_day=0)
    assert token.startswith(TOKEN_PREFIX) and len(token) > 40
    assert (key.tenant, key.name, key.requests_per_minute, key.chars_per_day) == (
        "acme",
        "ingest",
        10,
        0,
    )
    assert key.active

    assert keys.authenticate(token) == key
    assert keys.authenticate(token + "x") is None
    assert keys.authenticate("") is None

    revoked = keys.revoke(key.id)
    assert revoked is not None and not revoked.active
    assert keys.authenticate(token) is None
    again = keys.revoke(key.id)
    assert again is not None and again.revoked_at == revoked.revoked_at
    assert keys.revoke("no-such-key") is None


def test_the_token_is_stored_only_as_its_hash(store: Store) -> None:
    keys = ApiKeys(store)
    _key, token = keys.create("acme")
    everything = dump_database(store)
    assert token not in everything
    assert token[len(TOKEN_PREFIX) :] not in everything
    assert hash_token(token) in everything


def test_tokens_are_unique_and_list_hides_them(store: Store) -> None:
    keys = ApiKeys(store)
    created = [keys.create("acme", f"k{index}") for index in range(3)]
    created.append(keys.create("other"))
    assert len({token for _key, token in created}) == 4
    assert [key.id for key in keys.list("acme")] == [key.id for key, _ in created[:3]]
    assert {key.tenant for key in keys.list()} == {"acme", "other"}
    assert not any(hasattr(key, "token") or hasattr(key, "secret_hash") for key in keys.list())


@pytest.mark.parametrize(
    ("tenant", "fields", "message"),
    [
        ("", {}, "must not be empty"),
        ("Acme", {}, "lower-case"),
        ("a/b", {}, "lower-case"),
        ("a" * 65, {}, "longer than 64"),
        ("acme", {"name": "n" * 129}, "longer than 128"),
        ("acme", {"requests_per_minute": -1}, "requests_per_minute"),
        ("acme", {"chars_per_day": -5}, "chars_per_day"),
    ],
)
def test_bad_keys_are_refused(
    store: Store, tenant: str, fields: dict[str, object], message: str
) -> None:
    keys = ApiKeys(store)
    fields = dict(fields)  # the parameters are shared by both backends' runs
    name = fields.pop("name", None)
    with pytest.raises(ApiKeyError, match=message):
        keys.create(tenant, name, **fields)  # type: ignore[arg-type]
    assert keys.list() == []

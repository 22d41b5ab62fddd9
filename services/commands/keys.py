"""``newsevents keys create|list|revoke``: manage the API keys of the intake.

The command talks to the store directly (``DATABASE_URL``), not to the intake: creating
a key is an operator's act, with access to the database, and it works before any intake
runs. ``create`` prints the token once on stdout (it is stored only as a hash and cannot
be shown again); the key id, not the token, names a key in ``list`` and ``revoke``.

Exit status: 0 on success, 1 for a refused request (bad tenant name, unknown key id).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from shared.store import Store
    from shared.store.api_keys import ApiKey, ApiKeys


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, not {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 (unlimited) or more, not {value}")
    return value


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``newsevents keys`` and its three subcommands to the command line."""
    parser = subparsers.add_parser(
        "keys",
        help="create, list and revoke API keys (in the store named by DATABASE_URL)",
        description="Manage the API keys of the intake, directly in the store.",
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

    create = actions.add_parser("create", help="create a key and print its token once")
    create.add_argument("--tenant", required=True, help="tenant the key's data belongs to")
    create.add_argument("--name", default=None, help="a note to recognise the key by")
    create.add_argument(
        "--requests-per-minute",
        type=_non_negative_int,
        default=None,
        metavar="N",
        help="quota of this key (default: NEWSEVENTS_QUOTA_REQUESTS_PER_MINUTE; 0: unlimited)",
    )
    create.add_argument(
        "--chars-per-day",
        type=_non_negative_int,
        default=None,
        metavar="N",
        help="quota of this key (default: NEWSEVENTS_QUOTA_CHARS_PER_DAY; 0: unlimited)",
    )
    create.add_argument("--json", action="store_true", help="print the key as one JSON object")
    create.set_defaults(func=run_create)

    listing = actions.add_parser("list", help="list the keys (never their tokens)")
    listing.add_argument("--tenant", default=None, help="only this tenant's keys")
    listing.add_argument("--json", action="store_true", help="one JSON object per line")
    listing.set_defaults(func=run_list)

    revoke = actions.add_parser("revoke", help="revoke a key (the intake refuses it in seconds)")
    revoke.add_argument("key_id", metavar="KEY_ID")
    revoke.set_defaults(func=run_revoke)


def _api_keys() -> tuple[Store, ApiKeys]:
    from shared.settings import get_settings
    from shared.store import Store
    from shared.store.api_keys import ApiKeys

    store = Store.from_settings(get_settings())
    store.migrate()
    return store, ApiKeys(store)


def _describe(key: ApiKey) -> dict[str, Any]:
    return {
        "id": key.id,
        "tenant": key.tenant,
        "name": key.name,
        "created_at": key.created_at.isoformat(),
        "revoked_at": key.revoked_at.isoformat() if key.revoked_at else None,
        "requests_per_minute": key.requests_per_minute,
        "chars_per_day": key.chars_per_day,
    }


def run_create(args: argparse.Namespace) -> int:
    """Create a key; the token goes to stdout (alone, or in the JSON object)."""
    from shared.store.api_keys import ApiKeyError

    store, keys = _api_keys()
    try:
        key, token = keys.create(
            args.tenant,
            args.name,
            requests_per_minute=args.requests_per_minute,
            chars_per_day=args.chars_per_day,
        )
    except ApiKeyError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    finally:
        store.close()
    if args.json:
        print(json.dumps({**_describe(key), "token": token}))
    else:
        print(token)
        print(
            f"created key {key.id} for tenant {key.tenant!r}. The token above is shown only "
            "now: send it as 'Authorization: Bearer <token>' (or set NEWSEVENTS_API_KEY).",
            file=sys.stderr,
        )
    return 0


def run_list(args: argparse.Namespace) -> int:
    """List keys: id, tenant, state, quotas, name."""
    store, keys = _api_keys()
    try:
        found = keys.list(args.tenant)
    finally:
        store.close()
    for key in found:
        if args.json:
            print(json.dumps(_describe(key)))
            continue
        state = "active" if key.active else f"revoked {key.revoked_at:%Y-%m-%d %H:%M}"
        quotas = (
            f"rpm={'default' if key.requests_per_minute is None else key.requests_per_minute} "
            f"chars/day={'default' if key.chars_per_day is None else key.chars_per_day}"
        )
        print(f"{key.id}  {key.tenant}  {state}  {quotas}  {key.name or ''}".rstrip())
    return 0


def run_revoke(args: argparse.Namespace) -> int:
    """Revoke one key by id."""
    store, keys = _api_keys()
    try:
        key = keys.revoke(args.key_id)
    finally:
        store.close()
    if key is None:
        print(f"error: no API key with id {args.key_id!r}", file=sys.stderr)
        return 1
    print(f"revoked key {key.id} of tenant {key.tenant!r}")
    return 0

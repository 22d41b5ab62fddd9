"""The results stream: every first completion of an article, for live consumers.

Workers XADD one entry per completed article to ``settings.results_stream`` with three
fields, ``tenant``, ``article_id`` (the client's id) and ``result`` (the ExtractionResult as
JSON). The stream holds every tenant's results: it is meant for trusted backend consumers
with access to Redis, who filter by ``tenant`` (``ResultsReader(tenant=...)``,
``newsevents follow --tenant``); clients of the HTTP API never see it. It is capped
with an approximate MAXLEN so Redis memory stays bounded (trimming whole macro-nodes is
much cheaper than exact trimming).

Delivery is **exactly once under normal operation and at least once under faults**: the
store flags each result as announced (``shared.store.outbox``); when a worker died or Redis
failed between storing a result and confirming its announcement, the recovery sweep
publishes it again with a field ``redelivered`` = ``"1"``, because the first entry
may or may not have reached the stream. A consumer that dies before XACK also gets an
entry again. Consumers should treat ``(tenant, article_id)`` as the key; ``redelivered``
tells them which entries may be repeats.

Readers use a consumer group so several ``newsevents follow`` processes can share the work
and a restarted consumer resumes where it stopped: it first re-reads the entries it was
given but never acknowledged, then claims entries other consumers left pending for too
long (XAUTOCLAIM), then blocks on new ones.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from typing import Any

import redis
from pydantic import ValidationError

from shared.schemas import ExtractionResult
from shared.tenants import DEFAULT_TENANT

log = logging.getLogger(__name__)

#: Stream entry field holding the article id (lets consumers dedupe without parsing JSON).
ARTICLE_ID_FIELD = "article_id"
#: Stream entry field holding the ExtractionResult as JSON.
RESULT_FIELD = "result"
#: Stream entry field present (``"1"``) on a result the recovery sweep announced again.
REDELIVERED_FIELD = "redelivered"

#: Stream entry field naming the tenant the result belongs to (entries written before
#: tenants existed have none and belong to ``DEFAULT_TENANT``).
TENANT_FIELD = "tenant"


class MalformedEntryError(ValueError):
    """A stream entry that is not a result written by ``publish_result``."""


def encode_result(
    result: ExtractionResult, tenant: str, redelivered: bool = False
) -> dict[str, str]:
    """The stream fields of one result of ``tenant``; ``redelivered`` marks a possible repeat."""
    fields = {
        TENANT_FIELD: tenant,
        ARTICLE_ID_FIELD: result.article_id,
        RESULT_FIELD: result.model_dump_json(),
    }
    if redelivered:
        fields[REDELIVERED_FIELD] = "1"
    return fields


def _text(value: bytes | str) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else value


def entry_tenant(fields: Mapping[Any, Any]) -> str:
    """The tenant of a stream entry's fields (bytes or str keys)."""
    for key, value in fields.items():
        if _text(key) == TENANT_FIELD:
            return _text(value)
    return DEFAULT_TENANT


def decode_entry(fields: Mapping[Any, Any]) -> ExtractionResult:
    """The result held by a stream entry's fields (bytes or str keys, as redis-py returns)."""
    decoded = {_text(key): _text(value) for key, value in fields.items()}
    if RESULT_FIELD not in decoded:
        raise MalformedEntryError(f"stream entry has no {RESULT_FIELD!r} field: {sorted(decoded)}")
    try:
        result = ExtractionResult.model_validate_json(decoded[RESULT_FIELD])
    except ValidationError as exc:
        raise MalformedEntryError(f"stream entry {RESULT_FIELD!r} is not a result: {exc}") from exc
    if decoded.get(ARTICLE_ID_FIELD, result.article_id) != result.article_id:
        raise MalformedEntryError(
            f"stream entry {ARTICLE_ID_FIELD!r} {decoded[ARTICLE_ID_FIELD]!r} does not match "
            f"the result's article_id {result.article_id!r}"
        )
    return result


def publish_result(
    redis_client: redis.Redis,
    stream: str,
    maxlen: int,
    result: ExtractionResult,
    tenant: str,
    redelivered: bool = False,
) -> str:
    """Append one result of ``tenant`` to the stream, trimmed to about ``maxlen``; the entry id."""
    entry_id = redis_client.xadd(
        stream,
        encode_result(result, tenant, redelivered),  # type: ignore[arg-type]
        maxlen=maxlen,
        approximate=True,
    )
    return _text(entry_id)


class ResultsReader:
    """Reads results from the stream as one consumer of a consumer group.

    Iterate over ``entries()`` and call ``ack(entry_id)`` once a result has been handled;
    an entry that is never acknowledged comes back on the next start of this consumer (or
    to another consumer after ``claim_idle_ms``).

    With ``tenant`` set, entries of other tenants are acknowledged and skipped: give such a
    reader a consumer group of its own, or it takes those entries from the group's others.
    """

    def __init__(
        self,
        redis_client: redis.Redis,
        stream: str,
        group: str,
        consumer: str,
        *,
        claim_idle_ms: int = 60_000,
        block_ms: int = 2_000,
        batch: int = 100,
        tenant: str | None = None,
    ) -> None:
        self.redis = redis_client
        self.tenant = tenant
        self.stream = stream
        self.group = group
        self.consumer = consumer
        self.claim_idle_ms = claim_idle_ms
        self.block_ms = block_ms
        self.batch = batch

    def ensure_group(self, from_start: bool = False) -> None:
        """Create the group (and the stream) if missing.

        A new group starts at the end of the stream (only new results) unless
        ``from_start``; for an existing group ``from_start`` rewinds it to the beginning.
        """
        start = "0" if from_start else "$"
        try:
            self.redis.xgroup_create(self.stream, self.group, id=start, mkstream=True)
        except redis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise
            if from_start:
                self.redis.xgroup_setid(self.stream, self.group, id="0")

    def ack(self, entry_id: str) -> None:
        """Mark an entry handled so it is not delivered to this group again."""
        self.redis.xack(self.stream, self.group, entry_id)

    def entries(self, stop_when_idle: bool = False) -> Iterator[tuple[str, ExtractionResult]]:
        """Yield ``(entry_id, result)``: own pending entries, stale ones claimed, then new ones.

        Blocks for new entries forever, or returns after one empty wait when
        ``stop_when_idle``. Malformed entries are logged and acknowledged, so one bad
        entry cannot stall the group.
        """
        yield from self._decoded(self._own_pending())
        yield from self._decoded(self._claimed())
        while True:
            batch = self._read(">", block=True)
            if not batch and stop_when_idle:
                return
            yield from self._decoded(batch)

    # -- raw reads ---------------------------------------------------------------------

    def _read(self, start: str, block: bool) -> list[tuple[Any, Any]]:
        reply: Any = self.redis.xreadgroup(
            self.group,
            self.consumer,
            {self.stream: start},
            count=self.batch,
            block=self.block_ms if block else None,
        )
        # The RESP2 reply (redis-py's default protocol): [[stream, [(id, fields), ...]]].
        entries: list[tuple[Any, Any]] = []
        for _stream, stream_entries in reply or []:
            entries.extend(stream_entries)
        return entries

    def _own_pending(self) -> list[tuple[Any, Any]]:
        """Entries delivered to this consumer earlier (a previous run) and never acked."""
        pending: list[tuple[Any, Any]] = []
        last = "0"
        while True:
            batch = self._read(last, block=False)
            if not batch:
                return pending
            pending.extend(batch)
            last = _text(batch[-1][0])

    def _claimed(self) -> list[tuple[Any, Any]]:
        """Entries other consumers of the group left unacknowledged for too long."""
        claimed: list[tuple[Any, Any]] = []
        cursor = "0-0"
        while True:
            reply: Any = self.redis.xautoclaim(
                self.stream,
                self.group,
                self.consumer,
                min_idle_time=self.claim_idle_ms,
                start_id=cursor,
                count=self.batch,
            )
            cursor = _text(reply[0])
            claimed.extend(reply[1])
            if cursor == "0-0":
                return claimed

    def _decoded(self, raw: list[tuple[Any, Any]]) -> Iterator[tuple[str, ExtractionResult]]:
        for raw_id, fields in raw:
            entry_id = _text(raw_id)
            if not fields:  # the entry was trimmed away while pending
                self.ack(entry_id)
                continue
            if self.tenant is not None and entry_tenant(fields) != self.tenant:
                self.ack(entry_id)
                continue
            try:
                result = decode_entry(fields)
            except MalformedEntryError as exc:
                log.warning("skipping stream entry %s: %s", entry_id, exc)
                self.ack(entry_id)
                continue
            yield entry_id, result

"""Encoding results as stream entries and decoding them back, as redis-py hands them over."""

from __future__ import annotations

import datetime as dt

import pytest

from shared.schemas import Event, EventTime, ExtractionResult, ModelInfo, Span
from workers.stream import (
    ARTICLE_ID_FIELD,
    RESULT_FIELD,
    TENANT_FIELD,
    MalformedEntryError,
    decode_entry,
    encode_result,
    entry_tenant,
)

TEXT = "On Friday the delegations met again in Florida."


def sample_result() -> ExtractionResult:
    start = TEXT.index("met")
    return ExtractionResult(
        article_id="art-1",
        model=ModelInfo(name="newsevents-minilm", version="0.1.0"),
        events=[
            Event(
                type="Meet",
                trigger=Span(text="met", start=start, end=start + 3),
                confidence=0.93,
                sentence=0,
                time=EventTime(text="On Friday", start=0, end=9, value=dt.date(2025, 12, 5)),
            )
        ],
    )


def test_fields_are_tenant_article_id_and_result_json() -> None:
    fields = encode_result(sample_result(), "acme")
    assert set(fields) == {TENANT_FIELD, ARTICLE_ID_FIELD, RESULT_FIELD}
    assert fields[ARTICLE_ID_FIELD] == "art-1"
    assert entry_tenant(fields) == "acme"
    assert entry_tenant({k.encode(): v.encode() for k, v in fields.items()}) == "acme"
    assert ExtractionResult.model_validate_json(fields[RESULT_FIELD]) == sample_result()


def test_entries_written_before_tenants_belong_to_the_default_tenant() -> None:
    assert entry_tenant({b"article_id": b"art-1", b"result": b"{}"}) == "default"


def test_round_trip_through_bytes_as_redis_returns_them() -> None:
    raw = {k.encode(): v.encode("utf-8") for k, v in encode_result(sample_result(), "acme").items()}
    assert decode_entry(raw) == sample_result()


def test_round_trip_through_str_with_decode_responses() -> None:
    assert decode_entry(encode_result(sample_result(), "acme")) == sample_result()


def test_entry_without_result_field_is_malformed() -> None:
    with pytest.raises(MalformedEntryError, match="no 'result' field"):
        decode_entry({b"article_id": b"art-1"})


def test_entry_with_invalid_json_is_malformed() -> None:
    with pytest.raises(MalformedEntryError, match="not a result"):
        decode_entry({b"article_id": b"art-1", b"result": b'{"article_id": "art-1"}'})


def test_article_id_field_must_match_the_result() -> None:
    fields = encode_result(sample_result(), "acme")
    fields[ARTICLE_ID_FIELD] = "other"
    with pytest.raises(MalformedEntryError, match="does not match"):
        decode_entry(fields)

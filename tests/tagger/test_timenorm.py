"""Date expressions: found with exact offsets, normalized by the news conventions."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.schemas import DateRange
from workers.tagger.timenorm import find_time_expressions, make_event_time, normalize_time

SATURDAY = dt.date(2025, 12, 6)  # the seed article's publication date


def day(text: str) -> tuple[dt.date, None]:
    return dt.date.fromisoformat(text), None


def days(first: str, last: str) -> tuple[None, DateRange]:
    return None, DateRange(start=dt.date.fromisoformat(first), end=dt.date.fromisoformat(last))


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("November 30", day("2025-11-30")),
        ("on Saturday", day("2025-12-06")),  # the reference's own weekday: that same day
        ("on Friday", day("2025-12-05")),
        ("Friday evening", day("2025-12-05")),
        ("on Monday", day("2025-12-01")),
        ("last Saturday", day("2025-11-29")),
        ("next Monday", day("2025-12-08")),
        ("Saturday, December 6", day("2025-12-06")),
        ("last week", days("2025-11-24", "2025-11-30")),
        ("this week", days("2025-12-01", "2025-12-07")),
        ("earlier this week", days("2025-12-01", "2025-12-05")),
        ("next week", days("2025-12-08", "2025-12-14")),
        ("last weekend", days("2025-11-29", "2025-11-30")),
        ("yesterday", day("2025-12-05")),
        ("yesterday morning", day("2025-12-05")),
        ("today", day("2025-12-06")),
        ("this morning", day("2025-12-06")),
        ("last night", day("2025-12-05")),
        ("tomorrow", day("2025-12-07")),
        ("the day before yesterday", day("2025-12-04")),
        ("December 6", day("2025-12-06")),
        ("Dec. 6", day("2025-12-06")),
        ("6 December", day("2025-12-06")),
        ("the 5th of December", day("2025-12-05")),
        ("November 30th, 2024", day("2024-11-30")),
        ("30 November 2025", day("2025-11-30")),
        ("in 2024", days("2024-01-01", "2024-12-31")),
        ("late 2024", days("2024-09-01", "2024-12-31")),
        ("last month", days("2025-11-01", "2025-11-30")),
        ("this month", days("2025-12-01", "2025-12-31")),
        ("next month", days("2026-01-01", "2026-01-31")),
        ("last year", days("2024-01-01", "2024-12-31")),
        ("in March", days("2025-03-01", "2025-03-31")),
        ("March 2024", days("2024-03-01", "2024-03-31")),
        ("late November", days("2025-11-21", "2025-11-30")),
        ("mid-November", days("2025-11-11", "2025-11-20")),
        ("2025-12-06", day("2025-12-06")),
        ("12/06/2025", day("2025-12-06")),  # US month/day/year
        ("25/12/2025", day("2025-12-25")),  # day first when the first number cannot be a month
        ("06.12.2025", day("2025-12-06")),  # dotted: day.month.year
        ("two days ago", day("2025-12-04")),
        ("3 days ago", day("2025-12-03")),
        ("a week ago", days("2025-11-24", "2025-11-30")),
        ("two months ago", days("2025-10-01", "2025-10-31")),
        ("a few days ago", (None, None)),
        ("the end of time", (None, None)),
        ("", (None, None)),
        ("February 30", (None, None)),
        ("2025-13-45", (None, None)),
    ],
)
def test_normalization_against_a_saturday(expression: str, expected: tuple) -> None:
    assert normalize_time(expression, SATURDAY) == expected


def test_month_day_far_in_the_future_means_last_year() -> None:
    january = dt.date(2026, 1, 10)
    assert normalize_time("December 28", january) == day("2025-12-28")
    assert normalize_time("January 3", january) == day("2026-01-03")
    assert normalize_time("in December", january) == days("2025-12-01", "2025-12-31")
    # within about two months ahead, the reference year stays
    assert normalize_time("February 20", january) == day("2026-02-20")


def test_without_reference_only_dates_with_a_year_normalize() -> None:
    assert normalize_time("2025-12-06", None) == day("2025-12-06")
    assert normalize_time("30 November 2025", None) == day("2025-11-30")
    assert normalize_time("in 2024", None) == days("2024-01-01", "2024-12-31")
    for relative in ("November 30", "on Saturday", "yesterday", "last week", "two days ago"):
        assert normalize_time(relative, None) == (None, None), relative


def test_dateparser_covers_shapes_the_rules_do_not_know() -> None:
    assert normalize_time("December the 5th", SATURDAY) == day("2025-12-05")


def spans_text(text: str) -> list[str]:
    return [text[start:end] for start, end in find_time_expressions(text)]


def test_finds_news_date_expressions() -> None:
    text = (
        "On Saturday, December 6, officials met; on Friday evening and two days ago, last "
        "week and earlier this week, in 2024, in March, on 12/06/2025, 2025-12-06, Dec. 6, "
        "30 November 2025, yesterday, this morning, next month and last year."
    )
    assert spans_text(text) == [
        "Saturday, December 6",
        "Friday evening",
        "two days ago",
        "last week",
        "earlier this week",
        "2024",
        "March",
        "12/06/2025",
        "2025-12-06",
        "Dec. 6",
        "30 November 2025",
        "yesterday",
        "this morning",
        "next month",
        "last year",
    ]


def test_bare_numbers_times_of_day_and_common_words_are_not_dates() -> None:
    text = "He counted 2024 ballots at 10 a.m. and 14:30; May we march on? 3.5 percent."
    assert spans_text(text) == []


def test_search_window_uses_absolute_offsets() -> None:
    text = "Yesterday was quiet. On Friday they met."
    window_start = text.index("On")
    spans = find_time_expressions(text, window_start, len(text))
    assert [text[s:e] for s, e in spans] == ["Friday"]
    assert find_time_expressions(text, 0, window_start) == [(0, len("Yesterday"))]


def test_make_event_time_strips_prepositions_with_exact_offsets() -> None:
    text = "Talks took place on Saturday, in Geneva."
    start = text.index("on Saturday")
    time = make_event_time(text, start, start + len("on Saturday,"), SATURDAY)
    assert (time.text, time.start, time.end) == ("Saturday", start + 3, start + 11)
    assert time.value == SATURDAY and time.range is None
    kept = make_event_time("They met last week.", 9, 18, SATURDAY)
    assert kept.text == "last week"
    assert kept.range == DateRange(start=dt.date(2025, 11, 24), end=dt.date(2025, 11, 30))
    abbreviation = make_event_time("on Dec.", 0, 7, SATURDAY)
    assert abbreviation.text == "Dec."


@given(st.text(), st.integers(0, 50), st.integers(0, 50))
def test_found_spans_are_in_range_ordered_and_disjoint(text: str, a: int, b: int) -> None:
    start, end = min(a, b), max(a, b)
    spans = find_time_expressions(text, start, end)
    previous_end = start
    for span_start, span_end in spans:
        assert previous_end <= span_start < span_end <= min(end, len(text))
        previous_end = span_end


@given(st.text(max_size=60), st.integers(0, 60), st.integers(0, 60))
def test_event_time_text_matches_its_offsets(text: str, a: int, b: int) -> None:
    start, end = min(a, b, len(text)), min(max(a, b), len(text))
    time = make_event_time(text, start, end, SATURDAY)
    assert text[time.start : time.end] == time.text
    assert start <= time.start <= time.end <= end


@given(st.text(max_size=40), st.none() | st.dates())
def test_normalize_never_raises(expression: str, reference: dt.date | None) -> None:
    value, date_range = normalize_time(expression, reference)
    assert value is None or date_range is None


def test_remembered_normalizations_hand_out_their_own_ranges() -> None:
    """Normalizations are remembered per expression and reference date; a caller that
    changes its range does not change what the next caller gets."""
    saturday = dt.date(2025, 12, 6)
    first = normalize_time("last week", saturday)
    assert first[1] is not None
    first[1].start = dt.date(1999, 1, 1)
    again = normalize_time("last week", saturday)
    assert again[1] is not None and again[1].start != dt.date(1999, 1, 1)
    assert normalize_time("last week", dt.date(2026, 1, 10)) != again

"""Finding date expressions in news text and normalizing them to calendar days or ranges.

The tagger labels a Time argument; this module turns its text into the ``value`` or
``range`` of :class:`shared.schemas.EventTime`, resolving relative expressions against
the article's publication date. It is rule-based on purpose: news dates come in a few
dozen shapes, the rules are explainable and fast, and dateparser alone gets the news
conventions wrong ("last week" is a week, not the day seven days ago; "on Saturday" in a
report is the past Saturday). dateparser is the fallback for shapes the rules miss.

Rules (reference = publication date):

* a bare weekday ("on Saturday", "Friday evening") is the most recent such day on or
  before the reference; the same day when it is that weekday. "last Friday" is strictly
  before, "next Friday" strictly after, "this Friday" the one of the reference's week;
* a month-day without year ("November 30") takes the reference year, or the previous
  year if that would lie more than ``FUTURE_TOLERANCE`` (about two months) ahead; a bare
  month ("in March") follows the same rule as a month range;
* weeks are ISO weeks, Monday..Sunday: "last week" is the previous one, "earlier this
  week" runs from Monday to the day before the reference;
* "N days ago" is a day, "N weeks/months/years ago" the week/month/year it falls in;
* "early/mid/late" split a month into days 1-10, 11-20, 21-end and a year into thirds;
* numeric dates: ISO ``2025-12-06``; ``12/06/2025`` is month/day/year (US news usage)
  unless the first number exceeds 12; ``06.12.2025`` is day.month.year;
* without a reference only expressions carrying their year normalize.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Callable
from functools import lru_cache

from dateparser.date import DateDataParser

from shared.schemas import DateRange, EventTime
from workers.tagger.span_trim import trim_span

#: How far ahead of the publication date a month-day without year may lie.
FUTURE_TOLERANCE = dt.timedelta(days=62)
#: Longest expression handed to dateparser (longer strings are not a date expression).
MAX_FALLBACK_CHARS = 80

MONTHS = {
    name: number
    for number, name in enumerate(
        ("january", "february", "march", "april", "may", "june", "july", "august",
         "september", "october", "november", "december"),
        start=1,
    )
}  # fmt: skip
MONTH_ABBREVIATIONS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8,
    "sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
WEEKDAYS = {
    name: number
    for number, name in enumerate(
        ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
    )
}
NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}  # fmt: skip

#: Words before a time expression that belong to the sentence, not to the value.
LEADING_WORDS = frozenset(
    [
        "on", "in", "at", "since", "during", "by", "from", "until", "till", "of", "the", "around",
        "about", "throughout"
    ]
)  # fmt: skip
#: Words whose final period is part of the expression.
KEEP_PERIOD = frozenset(
    {f"{abbreviation}." for abbreviation in MONTH_ABBREVIATIONS} | {"a.m.", "p.m."}
)


def _names(words: list[str]) -> str:
    """Case-sensitive alternation of capitalized and upper-case forms, longest first."""
    forms = {form for word in words for form in (word.capitalize(), word.upper())}
    return "|".join(sorted(forms, key=len, reverse=True))


_MONTH = rf"(?:{_names(list(MONTHS))}|(?:{_names(list(MONTH_ABBREVIATIONS))})\.?)"
_WEEKDAY = rf"(?:{_names(list(WEEKDAYS))})"
_DAY = r"(?:3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th)?"
_YEAR = r"(?:19|20)\d\d"
_PART_OF_DAY = r"(?i:morning|afternoon|evening|night)"
_COUNT = rf"(?:\d{{1,3}}|(?i:{'|'.join(NUMBER_WORDS)}|a\s+few|several))"
_PREPOSITION = r"(?i:in|since|during|until|till|by|from|through|throughout|before|after|of)"
_SHIFT = r"(?i:last|this|next|previous|coming)"
_PART_OF_PERIOD = r"(?i:early|mid|late)"

#: Each pattern's named group ``v`` (or the whole match) is the expression's span.
_PATTERNS = [
    re.compile(r"(?<![\w/.-])(?P<v>\d{4}-\d{2}-\d{2})(?![\w/-])"),
    re.compile(r"(?<![\w/.-])(?P<v>\d{1,2}/\d{1,2}/\d{4}|\d{1,2}\.\d{1,2}\.\d{4})(?![\w/-])"),
    re.compile(rf"(?<!\w)(?P<v>(?:{_WEEKDAY},?\s+)?{_MONTH}\s+{_DAY}(?:,?\s+{_YEAR})?)(?![\w-])"),
    re.compile(
        rf"(?<!\w)(?P<v>(?:{_WEEKDAY},?\s+)?{_DAY}\s+(?:of\s+)?{_MONTH}(?:,?\s+{_YEAR})?)(?!\w)"
    ),
    re.compile(rf"(?<!\w)(?P<v>(?:{_PART_OF_PERIOD}[-\s]?)?{_MONTH},?\s+{_YEAR})(?!\w)"),
    re.compile(rf"(?<!\w)(?P<v>{_PART_OF_PERIOD}[-\s]?{_MONTH})(?!\w)"),
    re.compile(rf"(?<!\w)(?:{_PREPOSITION}\s+)(?P<v>{_MONTH})(?![\w.])"),
    re.compile(rf"(?<!\w)(?P<v>{_SHIFT}\s+{_MONTH})(?![\w.])"),
    re.compile(rf"(?<!\w)(?:{_PREPOSITION}\s+)(?P<v>(?:{_PART_OF_PERIOD}[-\s]?)?{_YEAR})(?![\w-])"),
    re.compile(rf"(?<!\w)(?P<v>{_PART_OF_PERIOD}[-\s]?{_YEAR})(?![\w-])"),
    re.compile(rf"(?<!\w)(?P<v>(?:{_SHIFT}\s+)?{_WEEKDAY}(?:\s+{_PART_OF_DAY})?)(?!\w)"),
    re.compile(
        r"(?<!\w)(?P<v>(?i:(?:the\s+)?day\s+(?:before\s+yesterday|after\s+tomorrow)"
        r"|(?:yesterday|tomorrow)(?:\s+(?:morning|afternoon|evening|night))?"
        r"|(?:earlier|later)\s+today|today|tonight|last\s+night"
        r"|this\s+(?:morning|afternoon|evening)"
        r"|(?:(?:earlier|later)\s+)?this\s+(?:week|month|year)"
        r"|(?:last|next|previous|coming)\s+(?:week|weekend|month|year)|this\s+weekend))(?!\w)"
    ),
    re.compile(rf"(?<!\w)(?P<v>{_COUNT}\s+(?i:(?:day|week|month|year)s?\s+ago))(?!\w)"),
]


def find_time_expressions(
    text: str, start: int = 0, end: int | None = None
) -> list[tuple[int, int]]:
    """Spans of date expressions inside ``text[start:end]``, as absolute offsets, in order.

    Prepositions stay outside the span ("on Saturday" gives "Saturday"); bare numbers and
    times of day alone are not date expressions. Overlapping candidates resolve to the
    leftmost, then the longest.
    """
    stop = len(text) if end is None else min(end, len(text))
    begin = max(0, start)
    candidates = []
    for pattern in _PATTERNS:
        for match in pattern.finditer(text, begin, stop):
            candidates.append(match.span("v"))
    candidates.sort(key=lambda span: (span[0], span[0] - span[1]))
    spans: list[tuple[int, int]] = []
    for span in candidates:
        if not spans or span[0] >= spans[-1][1]:
            spans.append(span)
    return spans


def normalize_time(
    expression: str, reference: dt.date | None
) -> tuple[dt.date | None, DateRange | None]:
    """``(value, range)`` for a date expression: a day gives ``(date, None)``, a week, month
    or year ``(None, DateRange)`` (inclusive), anything else ``(None, None)``. Never raises.
    """
    value, days = _normalize(expression, reference)
    return value, (DateRange(start=days[0], end=days[1]) if days else None)


@lru_cache(maxsize=4096)
def _normalize(
    expression: str, reference: dt.date | None
) -> tuple[dt.date | None, tuple[dt.date, dt.date] | None]:
    """``normalize_time`` with the range as plain dates: remembered, because news repeats
    its expressions ("on Monday", "last week") against few reference dates, and cleaning,
    the rules and dateparser cost more than the lookup. Plain dates keep the remembered
    values immutable (each caller gets its own ``DateRange``)."""
    try:
        cleaned = _clean(expression)
        if not cleaned:
            return None, None
        for rule in _RULES:
            result = rule(cleaned, reference)
            if result is not None:
                return _plain(result)
        return _plain(_dateparser_fallback(cleaned, reference))
    except (ValueError, OverflowError, ArithmeticError):
        return None, None


def _plain(
    result: tuple[dt.date | None, DateRange | None],
) -> tuple[dt.date | None, tuple[dt.date, dt.date] | None]:
    value, date_range = result
    return value, ((date_range.start, date_range.end) if date_range else None)


def make_event_time(text: str, start: int, end: int, reference: dt.date | None) -> EventTime:
    """An :class:`EventTime` for ``text[start:end]``: leading prepositions and determiners
    ("on", "in", "since", "the") and trailing punctuation trimmed off with exact offsets,
    then normalized against ``reference``.
    """
    start, end = trim_span(text, start, end, LEADING_WORDS, ",;:.!?)\"'”’", KEEP_PERIOD)
    value, date_range = normalize_time(text[start:end], reference)
    return EventTime(text=text[start:end], start=start, end=end, value=value, range=date_range)


# --- normalization rules -------------------------------------------------------------

Result = tuple[dt.date | None, DateRange | None]

_MONTH_WORD = "|".join([*MONTHS, *MONTH_ABBREVIATIONS])
_WEEKDAY_WORD = "|".join(WEEKDAYS)


_LEADING = re.compile(rf"^(?:(?:{'|'.join(LEADING_WORDS)})\s+)+")
_MONTH_DOT = re.compile(rf"\b({_MONTH_WORD})\.")
_ORDINAL = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)\b")


def _clean(expression: str) -> str:
    """Lower case, single spaces, no leading prepositions, ordinal suffixes or stray dots."""
    text = " ".join(expression.split()).lower().strip(" ,;:!?)(\"'”’“‘")
    text = _LEADING.sub("", text)
    text = _MONTH_DOT.sub(r"\1", text)
    text = _ORDINAL.sub(r"\1", text)
    text = text.replace(",", " ")
    return " ".join(text.split()).rstrip(".")


def _month_number(word: str) -> int:
    return MONTHS.get(word) or MONTH_ABBREVIATIONS[word]


def _day(value: dt.date) -> Result:
    return value, None


def _range(first: dt.date, last: dt.date) -> Result:
    return None, DateRange(start=first, end=max(first, last))


def _last_day(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _month_range(year: int, month: int) -> Result:
    return _range(dt.date(year, month, 1), _last_day(year, month))


def _week_range(day: dt.date) -> Result:
    monday = day - dt.timedelta(days=day.weekday())
    return _range(monday, monday + dt.timedelta(days=6))


def _shift_month(year: int, month: int, delta: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


def _infer_year(month: int, day: int, reference: dt.date) -> int:
    """The reference year, or the one before if the date would lie too far ahead."""
    candidate = min(
        dt.date(reference.year, month, 1) + dt.timedelta(days=day - 1),
        _last_day(reference.year, month),
    )
    return reference.year - 1 if candidate > reference + FUTURE_TOLERANCE else reference.year


def _iso(text: str, reference: dt.date | None) -> Result | None:
    match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text)
    return _day(dt.date(*map(int, match.groups()))) if match else None


def _numeric(text: str, reference: dt.date | None) -> Result | None:
    match = re.fullmatch(r"(\d{1,2})([/.])(\d{1,2})\2(\d{4})", text)
    if not match:
        return None
    first, separator, second, year = match.groups()
    month, day = int(first), int(second)
    if separator == "." or month > 12:
        month, day = day, month
    return _day(dt.date(int(year), month, day))


def _month_day(text: str, reference: dt.date | None) -> Result | None:
    match = re.fullmatch(
        rf"(?:(?:{_WEEKDAY_WORD}) )?(?:({_MONTH_WORD}) (\d{{1,2}})|(\d{{1,2}}) (?:of )?"
        rf"({_MONTH_WORD}))(?: (\d{{4}}))?",
        text,
    )
    if not match:
        return None
    month_word = match.group(1) or match.group(4)
    day = int(match.group(2) or match.group(3))
    month = _month_number(month_word)
    if match.group(5):
        return _day(dt.date(int(match.group(5)), month, day))
    if reference is None:
        return None, None
    return _day(dt.date(_infer_year(month, day, reference), month, day))


def _month_alone(text: str, reference: dt.date | None) -> Result | None:
    match = re.fullmatch(
        rf"(?:(last|this|next|previous|coming) )?(?:(early|mid|late)[- ]?)?({_MONTH_WORD})"
        rf"(?: (\d{{4}}))?",
        text,
    )
    if not match:
        return None
    shift, part, month_word, year_text = match.groups()
    month = _month_number(month_word)
    if year_text:
        year = int(year_text)
    elif reference is None:
        return None, None
    elif shift in ("last", "previous"):
        year = reference.year if month < reference.month else reference.year - 1
    elif shift in ("next", "coming"):
        year = reference.year if month > reference.month else reference.year + 1
    elif shift == "this":
        year = reference.year
    else:
        year = _infer_year(month, 1, reference)
    last = _last_day(year, month)
    first_day, last_day = {
        None: (1, last.day),
        "early": (1, 10),
        "mid": (11, 20),
        "late": (21, last.day),
    }[part]
    return _range(dt.date(year, month, first_day), dt.date(year, month, last_day))


def _year(text: str, reference: dt.date | None) -> Result | None:
    match = re.fullmatch(r"(?:(early|mid|late)[- ]?)?(\d{4})", text)
    if not match:
        return None
    part, year_text = match.groups()
    year = int(year_text)
    months = {None: (1, 12), "early": (1, 4), "mid": (5, 8), "late": (9, 12)}[part]
    return _range(dt.date(year, months[0], 1), _last_day(year, months[1]))


def _relative_day(text: str, reference: dt.date | None) -> Result | None:
    offsets = {
        "today": 0, "tonight": 0, "earlier today": 0, "later today": 0,
        "this morning": 0, "this afternoon": 0, "this evening": 0,
        "yesterday": -1, "last night": -1, "tomorrow": 1,
        "day before yesterday": -2, "day after tomorrow": 2,
    }  # fmt: skip
    key = re.sub(r"^(yesterday|tomorrow) (?:morning|afternoon|evening|night)$", r"\1", text)
    key = key.removeprefix("the ")
    if key not in offsets:
        return None
    if reference is None:
        return None, None
    return _day(reference + dt.timedelta(days=offsets[key]))


def _relative_period(text: str, reference: dt.date | None) -> Result | None:
    match = re.fullmatch(
        r"(?:(earlier|later) )?(this|last|next|previous|coming) (week|weekend|month|year)", text
    )
    if not match:
        return None
    if reference is None:
        return None, None
    part, shift, unit = match.groups()
    step = {"this": 0, "last": -1, "previous": -1, "next": 1, "coming": 1}[shift]
    if unit in ("week", "weekend"):
        day = reference + dt.timedelta(weeks=step)
        first = day - dt.timedelta(days=day.weekday())
        last = first + dt.timedelta(days=6)
        if unit == "weekend":
            first = last - dt.timedelta(days=1)
    elif unit == "month":
        year, month = _shift_month(reference.year, reference.month, step)
        first, last = dt.date(year, month, 1), _last_day(year, month)
    else:
        first, last = dt.date(reference.year + step, 1, 1), dt.date(reference.year + step, 12, 31)
    if part == "earlier" and step == 0:
        last = max(first, reference - dt.timedelta(days=1))
    elif part == "later" and step == 0:
        first = min(last, reference + dt.timedelta(days=1))
    return _range(first, last)


def _ago(text: str, reference: dt.date | None) -> Result | None:
    match = re.fullmatch(r"(\d{1,3}|[a-z]+(?: few)?) (day|week|month|year)s? ago", text)
    if not match:
        return None
    count_word, unit = match.groups()
    count = int(count_word) if count_word.isdigit() else NUMBER_WORDS.get(count_word)
    if count is None or reference is None:
        return None, None  # "a few days ago", "several weeks ago": not one day
    if unit == "day":
        return _day(reference - dt.timedelta(days=count))
    if unit == "week":
        return _week_range(reference - dt.timedelta(weeks=count))
    if unit == "month":
        return _month_range(*_shift_month(reference.year, reference.month, -count))
    return _range(dt.date(reference.year - count, 1, 1), dt.date(reference.year - count, 12, 31))


def _weekday(text: str, reference: dt.date | None) -> Result | None:
    match = re.fullmatch(
        rf"(?:(last|this|next|previous|coming|past) )?({_WEEKDAY_WORD})"
        r"(?: (?:morning|afternoon|evening|night))?",
        text,
    )
    if not match:
        return None
    if reference is None:
        return None, None
    shift, name = match.groups()
    weekday = WEEKDAYS[name]
    back = (reference.weekday() - weekday) % 7
    if shift in ("last", "previous"):
        back = back or 7
    elif shift in ("next", "coming"):
        return _day(reference + dt.timedelta(days=(weekday - reference.weekday()) % 7 or 7))
    elif shift == "this":
        return _day(reference + dt.timedelta(days=weekday - reference.weekday()))
    return _day(reference - dt.timedelta(days=back))


_RULES: list[Callable[[str, dt.date | None], Result | None]] = [
    _iso,
    _numeric,
    _month_day,
    _month_alone,
    _year,
    _relative_day,
    _relative_period,
    _ago,
    _weekday,
]

_RELATIVE_WORDS = re.compile(r"\b(ago|last|next|this|yesterday|today|tomorrow|tonight|now)\b")


@lru_cache(maxsize=256)
def _parser(reference: dt.date | None) -> DateDataParser:
    """A DateDataParser for one reference date (building the first one is slow)."""
    settings: dict[str, object] = {"PREFER_DATES_FROM": "past", "RETURN_AS_TIMEZONE_AWARE": False}
    if reference is None:
        settings["REQUIRE_PARTS"] = ["day", "month", "year"]
    else:
        settings["RELATIVE_BASE"] = dt.datetime(reference.year, reference.month, reference.day)
    return DateDataParser(languages=["en"], settings=settings)


def _dateparser_fallback(text: str, reference: dt.date | None) -> Result:
    """dateparser for shapes the rules do not know; its period picks day or range."""
    if len(text) > MAX_FALLBACK_CHARS or not re.search(r"[a-z0-9]", text):
        return None, None
    if reference is None and (not re.search(r"\b\d{4}\b", text) or _RELATIVE_WORDS.search(text)):
        return None, None
    try:
        data = _parser(reference).get_date_data(text)
    except Exception:  # dateparser raises assorted errors on odd input; none is ours to fix
        return None, None
    if data.date_obj is None:
        return None, None
    found = data.date_obj.date()
    if data.period == "day":
        return _day(found)
    if data.period == "week":
        return _week_range(found)
    if data.period == "month":
        return _month_range(found.year, found.month)
    if data.period == "year":
        return _range(dt.date(found.year, 1, 1), dt.date(found.year, 12, 31))
    return None, None

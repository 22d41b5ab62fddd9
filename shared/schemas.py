"""The public data contract of newsevents: what goes in (an Article) and what comes out.

These pydantic models are shared by the tagger, the intake service, the workers and the
store. Field names here are a public contract that downstream tools read, so change them
only with a version bump. All ``start``/``end`` fields are character offsets into the
original article ``text`` (end exclusive): ``text[start:end] == span.text`` always holds.
"""

from __future__ import annotations

import datetime as dt
import unicodedata

from pydantic import BaseModel, ConfigDict, Field, field_validator

#: Characters allowed in text although Unicode classes them as control characters.
ALLOWED_CONTROL_CHARS = frozenset("\t\n\r")


def find_control_character(text: str) -> int | None:
    """Return the offset of the first disallowed control character in ``text``, or None.

    Control characters (Unicode category ``Cc``) other than tab, newline and carriage return
    are almost always the sign of a broken upstream decoder, so we reject them instead of
    guessing what the sender meant.
    """
    for offset, char in enumerate(text):
        if char not in ALLOWED_CONTROL_CHARS and unicodedata.category(char) == "Cc":
            return offset
    return None


#: Characters an article id may not hold besides whitespace and control characters: ids
#: travel in URL paths (``GET /v1/articles/{id}``) and log lines.
ID_FORBIDDEN = frozenset("/\\?#%")
#: Longest ``title``, ``source`` and ``url`` accepted (characters).
MAX_TITLE_CHARS = 1_000
MAX_SOURCE_CHARS = 256
MAX_URL_CHARS = 2_048


def id_problem(value: str) -> str | None:
    """Why ``value`` is not a safe article id, or None when it is."""
    for offset, char in enumerate(value):
        if char in ID_FORBIDDEN:
            return f"id must not contain {char!r} (offset {offset})"
        if char.isspace() or unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp"):
            return f"id must not contain whitespace or control character U+{ord(char):04X}"
    return None


class Article(BaseModel):
    """One news article to extract events from."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "id": "ukrinform-2025-12-06",
                    "text": "On November 30 in Florida, a meeting took place between the "
                    "Ukrainian and American delegations.",
                    "published_at": "2025-12-06",
                    "source": "Ukrinform",
                }
            ]
        },
    )

    id: str = Field(min_length=1, max_length=256, description="Client-chosen article id.")
    text: str = Field(description="The article body; offsets in results point into it.")
    title: str | None = Field(default=None, max_length=MAX_TITLE_CHARS)
    url: str | None = Field(default=None, max_length=MAX_URL_CHARS)
    published_at: dt.date | dt.datetime | None = Field(
        default=None, description="Publication date; relative dates are resolved against it."
    )
    source: str | None = Field(default=None, max_length=MAX_SOURCE_CHARS)

    @field_validator("id", mode="after")
    @classmethod
    def _id_is_safe(cls, value: str | None) -> str | None:
        # A blank id has its own message (``_id_not_blank``), whichever validator runs first.
        problem = None if value is None or not value.strip() else id_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("title", "url", "source")
    @classmethod
    def _no_control_characters(cls, value: str | None) -> str | None:
        if value is not None:
            offset = find_control_character(value)
            if offset is not None:
                raise ValueError(
                    f"contains control character U+{ord(value[offset]):04X} at offset {offset}"
                )
        return value

    @field_validator("id")
    @classmethod
    def _id_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("id must not be blank")
        return value

    @field_validator("text")
    @classmethod
    def _text_is_usable(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("text is empty or whitespace only")
        offset = find_control_character(value)
        if offset is not None:
            raise ValueError(
                f"text contains control character U+{ord(value[offset]):04X} at offset {offset}"
            )
        return value

    def reference_date(self) -> dt.date | None:
        """The calendar date relative expressions ("on Saturday") are resolved against."""
        if isinstance(self.published_at, dt.datetime):
            return self.published_at.date()
        return self.published_at


class Span(BaseModel):
    """A stretch of the article text, by character offsets (end exclusive)."""

    text: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)


class Argument(Span):
    """A participant or circumstance of an event, with its role in the event type."""

    role: str
    confidence: float = Field(ge=0.0, le=1.0)


class DateRange(BaseModel):
    """An inclusive range of calendar days, for expressions such as "last week"."""

    start: dt.date
    end: dt.date


class EventTime(Span):
    """When the event happened: the source span and its normalized value.

    ``value`` is an ISO 8601 date when the expression names one day; ``range`` is set when
    it names a longer stretch (a week, a month, a year). Both are None when the expression
    could not be normalized (the span is still reported).
    """

    value: dt.date | None = None
    range: DateRange | None = None


class EventPlace(Span):
    """Where the event happened: the source span, a cleaned name and an ISO country code."""

    name: str
    country_code: str | None = Field(
        default=None, description="ISO 3166-1 alpha-2 code when the place is known."
    )


class PloverCoding(BaseModel):
    """The event coded in the PLOVER 2.0 political-event ontology: who did what to whom."""

    type: str = Field(description="PLOVER 2.0 category, e.g. CONSULT, PROTEST, ASSAULT.")
    actor: list[Span] = Field(default_factory=list)
    recipient: list[Span] = Field(default_factory=list)
    mode: list[str] = Field(
        default_factory=list, description="PLOVER modes of the category, e.g. phone, visit."
    )
    confidence: float | None = Field(
        default=None, ge=0.0, le=1.0, description="Confidence of the category (learned coder)."
    )


class Event(BaseModel):
    """One event found in an article."""

    type: str = Field(
        description="The tagger's event type (GENEVA/FrameNet style, e.g. Communication); "
        "for an event found only by the PLOVER coder, its PLOVER category."
    )
    trigger: Span
    confidence: float = Field(ge=0.0, le=1.0)
    sentence: int = Field(ge=0, description="Index of the sentence holding the trigger.")
    arguments: list[Argument] = Field(default_factory=list)
    time: EventTime | None = None
    place: EventPlace | None = None
    plover: PloverCoding | None = None


class ModelInfo(BaseModel):
    """Which model produced a result, so results can be traced and re-run."""

    model_config = ConfigDict(protected_namespaces=())

    name: str
    version: str


class ExtractionResult(BaseModel):
    """All events of one article."""

    model_config = ConfigDict(protected_namespaces=())

    article_id: str
    model: ModelInfo
    events: list[Event] = Field(default_factory=list)

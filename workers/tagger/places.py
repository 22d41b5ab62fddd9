"""Finding place names in news text and resolving them to a clean name and a country code.

The tagger labels a Place argument; this module turns its text into the ``name`` and
``country_code`` of :class:`shared.schemas.EventPlace`, so that results can be filtered by
country without a geocoding service. Countries come from pycountry (every ISO 3166-1
country, under its name, common name and official name) plus the aliases news uses
("U.S.", "Britain", "Kiev"); cities, US states and regions come from the hand-written
gazetteer ``places.yaml`` next to this file (see its header for the format).

Matching is by exact surface form on word boundaries, case-sensitive (plus the all-caps
form of datelines), longest name first; adjectives ("Ukrainian") are not places.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pycountry
import yaml

from shared.schemas import EventPlace
from workers.tagger.span_trim import trim_span

GAZETTEER_PATH = Path(__file__).with_name("places.yaml")
#: Sections of the gazetteer that list places (``countries`` lists country aliases).
PLACE_SECTIONS = ("capitals", "cities", "us_states", "regions")
#: Words before a place that belong to the sentence ("in the United States").
LEADING_WORDS = frozenset(
    [
        "in", "at", "the", "from", "to", "near", "of", "into", "on", "across", "inside", "outside",
        "throughout", "within"
    ]
)  # fmt: skip
TRAILING_PUNCTUATION = ",;:.!?)\"'”’"
#: Descriptors that narrow a known place without changing its country ("eastern Ukraine",
#: "Kherson region"); a name with one of them resolves to the country of the rest.
_DIRECTION_PREFIX = re.compile(
    r"^(?:(?:north|south)(?:east|west)?ern|eastern|western|central)\s+", re.IGNORECASE
)
_KIND_SUFFIX = re.compile(
    r"\s+(?:region|oblast|province|governorate|state|city|district|county|area)$",
    re.IGNORECASE,
)
_POSSESSIVE = ("'s", "’s")


@dataclass(frozen=True)
class Place:
    """A known place: its canonical name and ISO 3166-1 alpha-2 country code (or None)."""

    name: str
    country_code: str | None


@dataclass(frozen=True)
class Gazetteer:
    """Every known surface form and the place it names, with a matcher for them all."""

    by_name: dict[str, Place]
    by_folded_name: dict[str, Place]
    pattern: re.Pattern[str]
    keep_period: frozenset[str]

    def lookup(self, name: str) -> Place | None:
        """The place ``name`` names: exact form first, then case-insensitively."""
        return self.by_name.get(name) or self.by_folded_name.get(name.casefold())


@lru_cache(maxsize=4)
def load_gazetteer(path: Path | None = None) -> Gazetteer:
    """Build the gazetteer from pycountry and ``places.yaml`` (cached; it is read once)."""
    data = yaml.safe_load((path or GAZETTEER_PATH).read_text(encoding="utf-8"))
    names: dict[str, Place] = {}
    for country in pycountry.countries:
        forms = [getattr(country, key, None) for key in ("common_name", "name", "official_name")]
        usable = [form for form in forms if form and not re.search(r"[,(]|^the ", form)]
        if usable:
            for form in usable:
                names[form] = Place(usable[0], country.alpha_2)
    for code, aliases in (data.get("countries") or {}).items():
        place = Place(aliases[0], str(code))
        for alias in aliases:
            names[alias] = place
    country_names = set(names)
    for section in PLACE_SECTIONS:
        for canonical, entry in (data.get(section) or {}).items():
            code, aliases = _entry_fields(entry)
            place = Place(canonical, code)
            for form in [canonical, *aliases]:
                if form not in country_names:  # a country's name stays the country
                    names[form] = place
    folded: dict[str, Place] = {}
    for form, place in names.items():
        folded.setdefault(form.casefold(), place)
    surface_forms = set(names) | {form.upper() for form in names}
    keep_period = frozenset(form.split()[-1].lower() for form in names if form.endswith("."))
    pattern = re.compile(rf"(?<!\w){_trie_pattern(surface_forms)}(?!\w)")
    return Gazetteer(names, folded, pattern, keep_period)


def find_place_mentions(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Spans of known place names inside ``text[start:end]`` (absolute offsets), in order,
    longest name first at each position, on word boundaries."""
    stop = len(text) if end is None else min(end, len(text))
    pattern = load_gazetteer().pattern
    return [match.span() for match in pattern.finditer(text, max(0, start), stop)]


def normalize_place(text: str) -> tuple[str, str | None]:
    """``(name, country_code)`` for a place expression.

    Leading prepositions and "the", trailing punctuation and a possessive "'s" are
    removed. A known place gives its canonical name ("Kiev" -> "Kyiv", "U.S." ->
    "United States"); a known place with a direction or kind word ("eastern Ukraine",
    "Kherson region") keeps the cleaned text as name and takes the place's country;
    anything else gives the cleaned text and None.
    """
    start, end = _core_span(text, 0, len(text))
    cleaned = " ".join(text[start:end].split())
    gazetteer = load_gazetteer()
    place = gazetteer.lookup(cleaned)
    if place is not None:
        return place.name, place.country_code
    narrowed = _KIND_SUFFIX.sub("", _DIRECTION_PREFIX.sub("", cleaned))
    for candidate in (narrowed, narrowed.rstrip(".")):
        place = gazetteer.lookup(candidate)
        if place is not None and candidate:
            return cleaned, place.country_code
    return cleaned, None


def make_event_place(text: str, start: int, end: int) -> EventPlace:
    """An :class:`EventPlace` for ``text[start:end]``, trimmed like :func:`normalize_place`
    with exact offsets (``text[place.start:place.end] == place.text``)."""
    start, end = _core_span(text, start, end)
    name, code = normalize_place(text[start:end])
    return EventPlace(text=text[start:end], start=start, end=end, name=name, country_code=code)


def _core_span(text: str, start: int, end: int) -> tuple[int, int]:
    """The span without leading prepositions, trailing punctuation and a possessive."""
    keep = load_gazetteer().keep_period
    start, end = trim_span(text, start, end, LEADING_WORDS, TRAILING_PUNCTUATION, keep)
    if text[start:end].endswith(_POSSESSIVE) and end - start > 2:
        start, end = trim_span(text, start, end - 2, frozenset(), TRAILING_PUNCTUATION, keep)
    return start, end


def _entry_fields(entry: object) -> tuple[str | None, list[str]]:
    """``(country code, aliases)`` of a gazetteer entry (a code, null, or a mapping)."""
    if isinstance(entry, dict):
        code = entry.get("country")
        return (str(code) if code else None), [str(alias) for alias in entry.get("aliases", [])]
    return (str(entry) if entry else None), []


def _trie_pattern(words: set[str]) -> str:
    """A regex matching any of ``words``, longest first, built as a character trie so
    that matching costs one branch per character instead of one per word."""
    trie: dict[str, dict] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def build(node: dict[str, dict]) -> str:
        branches = [re.escape(char) + build(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return build(trie)

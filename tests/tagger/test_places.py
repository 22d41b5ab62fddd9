"""Place names: found with exact offsets and resolved to a clean name and a country code."""

from __future__ import annotations

from pathlib import Path

import pycountry
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from shared.settings import REPO_ROOT
from workers.tagger.places import (
    GAZETTEER_PATH,
    PLACE_SECTIONS,
    find_place_mentions,
    load_gazetteer,
    make_event_place,
    normalize_place,
)

SEED = Path(REPO_ROOT / "seeds" / "ukrinform-2025-12-06-peace-talks.txt")
#: Codes outside ISO 3166-1 that the gazetteer uses on purpose (see its header).
USER_ASSIGNED_CODES = {"XK"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Moscow", ("Moscow", "RU")),
        ("MOSCOW", ("Moscow", "RU")),
        ("Florida", ("Florida", "US")),
        ("the United States", ("United States", "US")),
        ("in the U.S.,", ("United States", "US")),
        ("USA", ("United States", "US")),
        ("America", ("United States", "US")),
        ("Britain", ("United Kingdom", "GB")),
        ("UK", ("United Kingdom", "GB")),
        ("Kyiv", ("Kyiv", "UA")),
        ("Kiev", ("Kyiv", "UA")),
        ("Ukraine's", ("Ukraine", "UA")),
        ("Geneva", ("Geneva", "CH")),
        ("Gaza", ("Gaza", "PS")),
        ("the Gaza Strip", ("Gaza", "PS")),
        ("West Bank", ("West Bank", "PS")),
        ("Crimea", ("Crimea", "UA")),
        ("Donbass", ("Donbas", "UA")),
        ("Russia", ("Russia", "RU")),
        ("Iran", ("Iran", "IR")),
        ("Syria", ("Syria", "SY")),
        ("South Korea", ("South Korea", "KR")),
        ("North Korea", ("North Korea", "KP")),
        ("Vietnam", ("Vietnam", "VN")),
        ("Czech Republic", ("Czechia", "CZ")),
        ("Turkey", ("Türkiye", "TR")),
        ("Ivory Coast", ("Ivory Coast", "CI")),
        ("Palestine", ("Palestine", "PS")),
        ("Washington, D.C.", ("Washington", "US")),
        ("Georgia", ("Georgia", "GE")),  # the country wins over the US state
        ("eastern Ukraine", ("eastern Ukraine", "UA")),
        ("the Kherson region", ("Kherson region", "UA")),
        ("Kashmir", ("Kashmir", None)),  # known but divided: no single country
        ("Atlantis", ("Atlantis", None)),
        ("in the town of Nowhere.", ("town of Nowhere", None)),
        ("", ("", None)),
    ],
)
def test_normalize_place(text: str, expected: tuple[str, str | None]) -> None:
    assert normalize_place(text) == expected


def mentions(text: str) -> list[str]:
    return [text[start:end] for start, end in find_place_mentions(text)]


def test_finds_places_in_the_seed_article() -> None:
    found = mentions(SEED.read_text(encoding="utf-8"))
    assert {"Ukraine", "U.S.", "Florida", "United States", "Moscow"} <= set(found)
    assert "Ukrainian" not in found and "Russian" not in found


def test_longest_name_first_word_boundaries_and_case() -> None:
    text = (
        "MOSCOW - Ukrainian envoys flew from Gaza Strip talks to New York City and "
        "South Korea, then the U.S.-led forum in Latin America; a turkey dinner in Georgian style."
    )
    assert mentions(text) == [
        "MOSCOW",
        "Gaza Strip",
        "New York City",
        "South Korea",
        "U.S.",
        "Latin America",
    ]


def test_search_window_uses_absolute_offsets() -> None:
    text = "Kyiv and Moscow"
    assert find_place_mentions(text, 4, len(text)) == [(9, 15)]
    assert find_place_mentions(text, 0, 6) == [(0, 4)]


def test_make_event_place_trims_with_exact_offsets() -> None:
    text = "The meeting took place in the United States, officials said."
    start = text.index("in the")
    place = make_event_place(text, start, text.index(",") + 1)
    assert place.text == "United States"
    assert text[place.start : place.end] == place.text
    assert (place.name, place.country_code) == ("United States", "US")
    dotted = "They met in the U.S. again"
    place = make_event_place(dotted, dotted.index("in"), dotted.index(" again"))
    assert (place.text, place.country_code) == ("U.S.", "US")


class UniqueKeyLoader(yaml.SafeLoader):
    """A YAML loader that refuses duplicate keys (PyYAML silently keeps the last)."""


def _unique_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict:
    keys = [loader.construct_object(key) for key, _value in node.value]
    duplicates = {key for key in keys if keys.count(key) > 1}
    assert not duplicates, f"duplicate keys in places.yaml: {sorted(duplicates)}"
    return loader.construct_mapping(node)


UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _unique_mapping)


def test_gazetteer_file_is_well_formed_and_large_enough() -> None:
    data = yaml.load(GAZETTEER_PATH.read_text(encoding="utf-8"), Loader=UniqueKeyLoader)
    known_codes = {country.alpha_2 for country in pycountry.countries} | USER_ASSIGNED_CODES
    names: list[str] = []
    for section in PLACE_SECTIONS:
        for name, entry in data[section].items():
            code = entry.get("country") if isinstance(entry, dict) else entry
            assert code is None or code in known_codes, f"{name}: unknown country code {code}"
            names.append(name)
    assert len(names) == len(set(names)), "a place is listed in two sections"
    assert len(names) >= 300
    assert len(data["us_states"]) == 50
    for code in data["countries"]:
        assert code in known_codes, f"countries: unknown code {code}"


def test_every_national_capital_of_a_big_country_is_known() -> None:
    gazetteer = load_gazetteer()
    for capital, code in [
        ("Beijing", "CN"),
        ("New Delhi", "IN"),
        ("Brasília", "BR"),
        ("Abuja", "NG"),
        ("Jakarta", "ID"),
        ("Islamabad", "PK"),
    ]:
        place = gazetteer.lookup(capital)
        assert place is not None and place.country_code == code, capital


@given(st.text(), st.integers(0, 50), st.integers(0, 50))
def test_found_spans_are_in_range_and_ordered(text: str, a: int, b: int) -> None:
    start, end = min(a, b), max(a, b)
    previous_end = start
    for span_start, span_end in find_place_mentions(text, start, end):
        assert previous_end <= span_start < span_end <= min(end, len(text))
        previous_end = span_end


@given(st.text(max_size=60), st.integers(0, 60), st.integers(0, 60))
def test_event_place_text_matches_its_offsets(text: str, a: int, b: int) -> None:
    start, end = min(a, b, len(text)), min(max(a, b), len(text))
    place = make_event_place(text, start, end)
    assert text[place.start : place.end] == place.text
    assert start <= place.start <= place.end <= end

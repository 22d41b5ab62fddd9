"""PLOVER coding: the map agrees with the tagger's ontology, and actors/recipients follow it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shared.schemas import Argument, Span
from shared.settings import get_settings
from workers.tagger.plover import (
    PLOVER_MAP_PATH,
    PLOVER_TYPES,
    load_plover_map,
    parse_plover_map,
    to_plover,
)


def argument(text: str, start: int, role: str) -> Argument:
    return Argument(text=text, start=start, end=start + len(text), role=role, confidence=0.9)


def span(item: Argument) -> Span:
    return Span(text=item.text, start=item.start, end=item.end)


def test_every_mapped_type_and_role_exists_in_the_ontology() -> None:
    path = get_settings().data_dir / "geneva" / "event_ontology.json"
    ontology = json.loads(path.read_text(encoding="utf-8"))
    pmap = load_plover_map()
    assert pmap.rules, "the packaged map is empty"
    for event_type, rule in pmap.rules.items():
        assert event_type in ontology, f"{event_type} is not an event type of the ontology"
        unknown = rule.roles() - set(ontology[event_type]["arguments"])
        assert not unknown, f"{event_type}: roles {sorted(unknown)} are not in the ontology"


def test_every_plover_type_used_is_known_and_core_types_are_covered() -> None:
    used = set()
    for rule in load_plover_map().rules.values():
        used |= {rule.plover, *(plover for _prefix, plover in rule.triggers)}
    used.discard(None)
    assert used <= PLOVER_TYPES
    assert {"CONSULT", "AGREE", "REQUEST", "ACCUSE", "SUPPORT", "AID", "FIGHT", "ASSAULT"} <= used


def test_speaker_and_addressee_give_actor_and_recipient() -> None:
    speaker = argument("Zelensky", 0, "Speaker")
    addressee = argument("Witkoff", 30, "Addressee")
    topic = argument("peace", 50, "Topic")
    coding = to_plover("Communication", [topic, addressee, speaker])
    assert coding is not None
    assert coding.type == "CONSULT"
    assert coding.actor == [span(speaker)]
    assert coding.recipient == [span(addressee)]


def test_symmetric_roles_split_first_mentioned_and_others() -> None:
    first = argument("Ukraine", 0, "Interlocutors")
    second = argument("the United States", 12, "Interlocutors")
    third = argument("Britain", 40, "Interlocutors")
    coding = to_plover("Communication", [third, second, first])
    assert coding is not None
    assert coding.actor == [span(first)]
    assert coding.recipient == [span(second), span(third)]


def test_a_single_symmetric_argument_fills_both_sides() -> None:
    both = argument("the two delegations", 0, "Interlocutors")
    coding = to_plover("Communication", [both])
    assert coding is not None
    assert coding.actor == coding.recipient == [span(both)]


def test_symmetric_roles_fill_only_the_empty_side() -> None:
    speaker = argument("Rubio", 0, "Speaker")
    partner = argument("Umerov", 20, "Interlocutors")
    coding = to_plover("Communication", [speaker, partner])
    assert coding is not None
    assert coding.actor == [span(speaker)]
    assert coding.recipient == [span(partner)]


@pytest.mark.parametrize(
    ("event_type", "trigger", "actor_role", "recipient_role", "expected"),
    [
        ("Traveling", "traveled", "Traveler", "Goal", "CONSULT"),  # a visit to Moscow
        ("Attack", "attack", "Assailant", "Victim", "FIGHT"),
        ("Arrest", "arrested", "Authorities", "Suspect", "COERCE"),
        ("Assistance", "aid", "Helper", "Benefited_party", "AID"),
    ],
)
def test_roles_give_actor_and_recipient(
    event_type: str, trigger: str, actor_role: str, recipient_role: str, expected: str
) -> None:
    actor = argument("Steve Witkoff", 0, actor_role)
    recipient = argument("Moscow", 40, recipient_role)
    coding = to_plover(event_type, [recipient, actor], trigger=trigger)
    assert coding is not None
    assert (coding.type, coding.actor, coding.recipient) == (
        expected,
        [span(actor)],
        [span(recipient)],
    )


def test_leisure_travel_is_not_a_visit() -> None:
    assert to_plover("Traveling", [argument("Tourists", 0, "Traveler")], trigger="tourists") is None


def test_trigger_words_override_the_type() -> None:
    speaker = [argument("Britain", 0, "Speaker")]
    agreed = to_plover("Agree_or_refuse_to_act", speaker, trigger="agreed")
    refused = to_plover("Agree_or_refuse_to_act", speaker, trigger="Refused")
    assert agreed is not None and agreed.type == "AGREE"
    assert refused is not None and refused.type == "REJECT"
    accused = to_plover("Judgment_communication", [], trigger="accused")
    praised = to_plover("Judgment_communication", [], trigger="praised")
    criticized = to_plover("Judgment_communication", [], trigger="criticized")
    assert [c.type if c else None for c in (accused, praised, criticized)] == [
        "ACCUSE",
        "SUPPORT",
        "DISAPPROVE",
    ]
    assert to_plover("Communication", speaker, trigger="said") is None  # not a meeting
    sanctions = to_plover(
        "Revenge", [argument("The United States", 0, "Avenger")], trigger="sanctions"
    )
    assert sanctions is not None and sanctions.type == "SANCTION"
    assert to_plover("Revenge", [], trigger="revenge") is None


def test_unmapped_types_give_none() -> None:
    speaker = [argument("Zelensky", 0, "Speaker")]
    assert to_plover("Statement", speaker) is None
    assert to_plover("Protest", [argument("Iran", 0, "Arguer")]) is None  # FrameNet Reasoning
    assert to_plover("No_such_type", speaker) is None


def test_a_custom_map_file_is_loaded(tmp_path: Path) -> None:
    path = tmp_path / "map.yaml"
    path.write_text("types:\n  Statement:\n    plover: DISAPPROVE\n    actor: [Speaker]\n")
    pmap = load_plover_map(path)
    coding = to_plover("Statement", [argument("Kyiv", 0, "Speaker")], pmap)
    assert coding is not None and coding.type == "DISAPPROVE" and coding.recipient == []
    assert load_plover_map(path) is pmap  # cached
    assert load_plover_map(PLOVER_MAP_PATH).rules == load_plover_map().rules


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "'types' mapping"),
        ({"types": {"Attack": "FIGHT"}}, "'Attack' must be a mapping"),
        ({"types": {"Attack": {"plover": "WAR"}}}, "unknown PLOVER type 'WAR'"),
        ({"types": {"Attack": {"plover": "FIGHT", "actors": []}}}, "unknown keys ['actors']"),
        (
            {"types": {"Attack": {"plover": "FIGHT", "actor": "Assailant"}}},
            "'actor' must be a list",
        ),
        ({"types": {"Attack": {"plover": "FIGHT", "triggers": {"x": "WAR"}}}}, "'WAR'"),
    ],
)
def test_mistakes_in_a_map_are_named(data: object, message: str) -> None:
    with pytest.raises(ValueError) as error:
        parse_plover_map(data)
    assert message in str(error.value)

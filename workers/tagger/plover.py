"""Coding tagged events in the PLOVER political-event ontology.

The tagger speaks GENEVA's FrameNet-based types (115 of them, "Communication",
"Attack"); political scientists count events in PLOVER ("CONSULT", "FIGHT") with an
actor and a recipient. The correspondence is data, not code: ``plover_map.yaml`` next to
this file says which GENEVA types are PLOVER events and which argument roles give the
actor and the recipient (its header explains the format and the rule for symmetric
roles such as Interlocutors). This module only loads and applies it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from shared.schemas import Argument, PloverCoding, Span

PLOVER_MAP_PATH = Path(__file__).with_name("plover_map.yaml")

#: The PLOVER event types a mapping may use.
PLOVER_TYPES = frozenset(
    [
        "AGREE", "CONSULT", "SUPPORT", "CONCEDE", "COOPERATE", "AID", "RETREAT", "REQUEST",
        "ACCUSE", "REJECT", "THREATEN", "PROTEST", "SANCTION", "MOBILIZE", "COERCE", "ASSAULT",
        "DEMAND", "DISAPPROVE", "INVESTIGATE", "FIGHT"
    ]
)  # fmt: skip


@dataclass(frozen=True)
class PloverRule:
    """How one tagger event type becomes a PLOVER event."""

    plover: str | None
    actor: tuple[str, ...] = ()
    recipient: tuple[str, ...] = ()
    both: tuple[str, ...] = ()
    #: (trigger prefix, PLOVER type or None), longest prefix first.
    triggers: tuple[tuple[str, str | None], ...] = ()

    def plover_type(self, trigger: str | None) -> str | None:
        """The PLOVER type for this trigger word (the first matching prefix wins)."""
        if trigger:
            word = trigger.strip().lower()
            for prefix, plover in self.triggers:
                if word.startswith(prefix):
                    return plover
        return self.plover

    def roles(self) -> set[str]:
        return {*self.actor, *self.recipient, *self.both}


@dataclass(frozen=True)
class PloverMap:
    """Tagger event type -> :class:`PloverRule`."""

    rules: Mapping[str, PloverRule] = field(default_factory=dict)


def parse_plover_map(data: object) -> PloverMap:
    """Build a PloverMap from the parsed YAML, with a clear error for each mistake."""
    if not isinstance(data, dict) or not isinstance(data.get("types"), dict):
        raise ValueError("plover map: top level must be a mapping with a 'types' mapping")
    rules = {}
    for event_type, entry in data["types"].items():
        if not isinstance(entry, dict):
            raise ValueError(f"plover map: entry for {event_type!r} must be a mapping")
        unknown = set(entry) - {"plover", "actor", "recipient", "both", "triggers"}
        if unknown:
            raise ValueError(f"plover map: {event_type!r} has unknown keys {sorted(unknown)}")
        triggers = entry.get("triggers") or {}
        for plover in [entry.get("plover"), *triggers.values()]:
            if plover is not None and plover not in PLOVER_TYPES:
                raise ValueError(f"plover map: {event_type!r} uses unknown PLOVER type {plover!r}")
        rules[str(event_type)] = PloverRule(
            plover=entry.get("plover"),
            actor=_role_list(event_type, "actor", entry.get("actor")),
            recipient=_role_list(event_type, "recipient", entry.get("recipient")),
            both=_role_list(event_type, "both", entry.get("both")),
            triggers=tuple(
                sorted(
                    ((str(prefix).lower(), plover) for prefix, plover in triggers.items()),
                    key=lambda item: -len(item[0]),
                )
            ),
        )
    return PloverMap(rules)


@lru_cache(maxsize=8)
def load_plover_map(path: Path | None = None) -> PloverMap:
    """The PLOVER map from ``path`` (default: the packaged ``plover_map.yaml``), cached."""
    text = (path or PLOVER_MAP_PATH).read_text(encoding="utf-8")
    return parse_plover_map(yaml.safe_load(text))


def to_plover(
    event_type: str,
    arguments: list[Argument],
    pmap: PloverMap | None = None,
    *,
    trigger: str | None = None,
) -> PloverCoding | None:
    """The PLOVER coding of an event, or None when its type (or trigger word) is not a
    PLOVER event. Actor and recipient spans are copied from the arguments, in text order.
    """
    rule = (pmap or load_plover_map()).rules.get(event_type)
    if rule is None:
        return None
    plover = rule.plover_type(trigger)
    if plover is None:
        return None
    ordered = sorted(arguments, key=lambda argument: (argument.start, argument.end))
    actor = _with_roles(ordered, rule.actor)
    recipient = _with_roles(ordered, rule.recipient)
    shared = _with_roles(ordered, rule.both)
    if shared:
        if not actor and not recipient:
            actor = shared[:1]
            recipient = shared[1:] or shared
        elif not actor:
            actor = shared
        elif not recipient:
            recipient = shared
    return PloverCoding(
        type=plover, actor=[_span(a) for a in actor], recipient=[_span(a) for a in recipient]
    )


def _with_roles(arguments: Iterable[Argument], roles: tuple[str, ...]) -> list[Argument]:
    return [argument for argument in arguments if argument.role in roles]


def _span(argument: Argument) -> Span:
    return Span(text=argument.text, start=argument.start, end=argument.end)


def _role_list(event_type: object, key: str, value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(role, str) for role in value):
        raise ValueError(f"plover map: {event_type!r} field {key!r} must be a list of roles")
    return tuple(value)

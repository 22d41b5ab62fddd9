"""The label space of a model: event types, argument roles and which roles each type allows.

It is saved next to the weights (``labels.json``) so that a model directory is
self-describing: the tagger never needs the training ontology at run time.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

OUTSIDE = "O"

#: Roles every event type may take: the news-level "when" and "where" of any event.
UNIVERSAL_ROLES = ("Time", "Place")

#: The two sides of a PLOVER event, labelled by the PLOVER role head.
PLOVER_ROLES = ("actor", "recipient")


def bio_labels(names: Iterable[str]) -> list[str]:
    """``O`` followed by ``B-name`` and ``I-name`` for each name, in the given order."""
    labels = [OUTSIDE]
    for name in names:
        labels += [f"B-{name}", f"I-{name}"]
    return labels


@dataclass
class LabelSpace:
    """Event types, roles and the roles allowed per type; BIO label lists derive from them."""

    event_types: list[str]
    roles: list[str]
    allowed_roles: dict[str, list[str]]
    #: PLOVER categories the model codes (empty: a model without a PLOVER coder).
    plover_types: list[str] = field(default_factory=list)
    #: Category -> the modes the model may give it.
    plover_modes: dict[str, list[str]] = field(default_factory=dict)
    trigger_labels: list[str] = field(init=False)
    argument_labels: list[str] = field(init=False)
    plover_trigger_labels: list[str] = field(init=False)
    plover_role_labels: list[str] = field(init=False)
    mode_names: list[str] = field(init=False)
    _mode_masks: dict[str, list[bool]] = field(init=False, repr=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.trigger_labels = bio_labels(self.event_types)
        self.argument_labels = bio_labels(self.roles)
        self.plover_trigger_labels = bio_labels(self.plover_types) if self.plover_types else []
        self.plover_role_labels = bio_labels(PLOVER_ROLES) if self.plover_types else []
        self.mode_names = [
            f"{category}.{mode}"
            for category in self.plover_types
            for mode in self.plover_modes.get(category, [])
        ]

    @property
    def has_plover(self) -> bool:
        return bool(self.plover_types)

    @classmethod
    def from_ontology(
        cls,
        ontology: dict[str, dict],
        event_types: Iterable[str],
        plover_modes: Mapping[str, Iterable[str]] | None = None,
    ) -> LabelSpace:
        """Build the label space for ``event_types`` with their roles from a GENEVA-style
        ontology, and a PLOVER coder for the categories of ``plover_modes`` if given."""
        types = sorted(set(event_types))
        allowed = {t: sorted(set(ontology[t]["arguments"]) | set(UNIVERSAL_ROLES)) for t in types}
        roles = sorted({role for names in allowed.values() for role in names})
        modes = {c: list(m) for c, m in (plover_modes or {}).items()}
        return cls(types, roles, allowed, list(modes), modes)

    def mode_mask(self, category: str) -> list[bool]:
        """Which mode outputs belong to ``category`` (the others are never predicted)."""
        if category not in self._mode_masks:
            prefix = f"{category}."
            self._mode_masks[category] = [name.startswith(prefix) for name in self.mode_names]
        return self._mode_masks[category]

    def argument_label_mask(self, event_type: str) -> list[bool]:
        """Which argument labels the type allows (O always); used to mask logits."""
        allowed = set(self.allowed_roles.get(event_type, UNIVERSAL_ROLES))
        return [label == OUTSIDE or label[2:] in allowed for label in self.argument_labels]

    def type_id(self, event_type: str) -> int:
        """The light argument pass's id of a tagger type: 1 + its index, 0 for none."""
        return self.event_types.index(event_type) + 1 if event_type in self.event_types else 0

    def plover_id(self, category: str | None) -> int:
        """The light argument pass's id of a PLOVER category: 1 + its index, 0 for none."""
        return self.plover_types.index(category) + 1 if category in self.plover_types else 0

    def save(self, path: Path) -> None:
        payload = {
            "event_types": self.event_types,
            "roles": self.roles,
            "allowed_roles": self.allowed_roles,
            "plover_types": self.plover_types,
            "plover_modes": self.plover_modes,
        }
        path.write_text(json.dumps(payload, indent=1, sort_keys=True))

    @classmethod
    def load(cls, path: Path) -> LabelSpace:
        payload = json.loads(path.read_text())
        return cls(
            payload["event_types"],
            payload["roles"],
            payload["allowed_roles"],
            payload.get("plover_types", []),
            payload.get("plover_modes", {}),
        )

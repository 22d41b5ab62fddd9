"""The PLOVER 2.0 categories and the modes each allows (team handout ``data/plover/GUIDE.md``).

Kept apart from the runtime coder so that the corpus checker and the scorer can validate
annotations without loading a model.
"""

from __future__ import annotations

#: Category -> allowed modes, in the guide's order.
PLOVER_MODES: dict[str, tuple[str, ...]] = {
    "AGREE": (),
    "CONSULT": ("visit", "third-party", "multilateral", "phone"),
    "SUPPORT": (),
    "CONCEDE": (),
    "COOPERATE": (),
    "AID": (),
    "RETREAT": ("withdraw", "release", "disarm", "ceasefire", "access", "resign"),
    "REQUEST": ("assist", "change", "yield", "meet"),
    "ACCUSE": ("disapprove", "investigate", "allege"),
    "REJECT": ("assist", "change", "yield", "meet"),
    "THREATEN": ("restrict", "arrest", "relations", "expel", "territory", "violence"),
    "PROTEST": ("demo", "riot", "strike", "hunger", "boycott", "obstruct", "vandalize"),
    "SANCTION": ("convict", "expel", "withdraw", "discontinue"),
    "MOBILIZE": ("troops", "weapons", "police", "militia"),
    "COERCE": (
        "seize", "restrict", "censor", "curfew", "martial-law", "arrest", "deport",
        "withhold", "misinformation", "cyber",
    ),
    "ASSAULT": (
        "abduct", "beat", "torture", "sexual", "targeted", "destroy", "primitive", "firearms",
        "explosives", "suicide-attack", "aerial", "drone", "heavy-weapons", "crowd-control",
        "unconventional",
    ),
}  # fmt: skip

#: The 16 categories in the guide's order.
PLOVER_CATEGORIES: tuple[str, ...] = tuple(PLOVER_MODES)

#: Categories whose events must name a recipient.
RECIPIENT_REQUIRED = frozenset({"COOPERATE", "AID", "SANCTION"})

#: Older names and what they are coded as now (the guide's legacy table).
LEGACY_NAMES: dict[str, tuple[str, str | None]] = {
    "DEMAND": ("REQUEST", None),
    "DISAPPROVE": ("ACCUSE", "disapprove"),
    "INVESTIGATE": ("ACCUSE", "investigate"),
    "FIGHT": ("ASSAULT", None),
}

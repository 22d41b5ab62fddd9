"""The news event corpus written for newsevents: PLOVER codings and news event types.

GENEVA lacks the events news users count and has no PLOVER coding; these sentences were
written for this project (see README.md) and are split by block into train and dev.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from workers.tagger.news_corpus.corpus import NewsSentence, read_authored
from workers.tagger.news_corpus.split import is_dev_block

CORPUS_DIR = Path(__file__).resolve().parent
AUTHORED_DIR = CORPUS_DIR / "authored"
NEWS_TYPES_PATH = CORPUS_DIR / "news_types.json"

#: The tagger types the corpus marks wherever they occur (README's table): for these, and
#: only these, an unmarked word of a corpus sentence is known not to be a trigger.
NEWS_TYPES = (
    "Demonstrating", "Attack", "Hostile_encounter", "Arrest", "Death", "Killing",
    "Communication", "Come_together", "Traveling", "Arriving", "Sign_agreement",
    "Sanctioning", "Judgment_communication", "Election", "Legal_rulings",
)  # fmt: skip

#: The news event kinds users ask for: (tagger types, PLOVER categories) that report each.
#: A gold event of a kind counts as found when an event with an overlapping trigger has one
#: of the kind's types or categories (``plover_scoring``). Phone calls are the CONSULT
#: events with mode ``phone``.
NEWS_KINDS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    kind: (frozenset(types), frozenset(categories))
    for kind, types, categories in (
        ("protests", {"Demonstrating"}, {"PROTEST"}),
        ("attacks, bombings, shootings", {"Attack", "Terrorism", "Hostile_encounter"}, {"ASSAULT"}),
        ("arrests, detentions", {"Arrest"}, {"COERCE"}),
        ("deaths, killings", {"Death", "Killing"}, {"ASSAULT"}),
        ("meetings, talks", {"Communication", "Come_together"}, {"CONSULT"}),
        ("phone calls", set(), {"CONSULT"}),
        ("visits, travel", {"Traveling", "Arriving"}, {"CONSULT"}),
        ("agreements, signings", {"Sign_agreement", "Agree_or_refuse_to_act", "Ratification"},
         {"AGREE", "SUPPORT"}),
        ("sanctions", {"Sanctioning"}, {"SANCTION"}),
        ("aid, money transfers", {"Assistance", "Giving", "Supply", "Commerce_pay", "Sending"},
         {"AID"}),
        ("threats", {"Commitment", "Warning"}, {"THREATEN"}),
        ("accusations", {"Judgment_communication", "Criminal_investigation"}, {"ACCUSE"}),
        ("elections", {"Election", "Change_of_leadership"}, set()),
        ("court rulings", {"Legal_rulings"}, {"SANCTION", "CONCEDE", "ACCUSE"}),
    )
}  # fmt: skip


def authored_files(directory: Path = AUTHORED_DIR) -> list[Path]:
    """The authored files, sorted by name so every load gives the same order."""
    return sorted(directory.glob("*.txt"))


def load_corpus(directory: Path = AUTHORED_DIR) -> list[NewsSentence]:
    """Every sentence of every authored file."""
    return [s for path in authored_files(directory) for s in read_authored(path)]


def load_split(split: str, directory: Path = AUTHORED_DIR) -> list[NewsSentence]:
    """The ``train`` or ``dev`` sentences (whole blocks, by a stable hash of the block name)."""
    if split not in ("train", "dev"):
        raise ValueError(f"unknown split {split!r}: use 'train' or 'dev'")
    want_dev = split == "dev"
    return [s for s in load_corpus(directory) if is_dev_block(s.block) == want_dev]


@lru_cache(maxsize=1)
def news_types() -> dict[str, dict]:
    """The project's own event types (GENEVA has none for protests, sanctions, elections)."""
    types: dict[str, dict] = json.loads(NEWS_TYPES_PATH.read_text(encoding="utf-8"))
    return types

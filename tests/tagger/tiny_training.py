"""A tiny training data folder for tests that run ``newsevents train`` end to end.

GENEVA-format train/val files come from the project's own annotated sentences
(``extra_data/news_events.jsonl``), the ontology from the handout (CI has it beside the
repository), and a four-block news corpus whose block names hash to both sides of the
split (see ``news_corpus.split``).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from shared.settings import get_settings
from workers.tagger.extra_data import extra_sentence_files

# ruff: noqa: E501 (each corpus line holds one annotated sentence)

NEWS_CORPUS = """\
## block smoke-protest
[Protester+actor Thousands of students] {Demonstrating/PROTEST.demo marched} on [Target+recipient parliament] [Time on Friday].
## block smoke-arrest
[Authorities+actor Police] {Arrest/COERCE.arrest detained} [Suspect+recipient 12 activists] [Place in Lima].
## block smoke-sanction
[Imposer+actor Norland] {Sanctioning/SANCTION imposed sanctions} on [Target+recipient three Ostrian banks].
## block smoke-negative
The capital has a population of about two million.
"""


def write_tiny_data(root: Path) -> tuple[Path, Path]:
    """(data dir with geneva/, news corpus dir) under ``root``; skips without the ontology."""
    ontology = get_settings().data_dir / "geneva" / "event_ontology.json"
    if not ontology.is_file():
        pytest.skip(f"the handout ontology is not at {ontology}")
    data = root / "data"
    geneva = data / "geneva"
    geneva.mkdir(parents=True)
    shutil.copy(ontology, geneva / "event_ontology.json")
    [events_file] = [p for p in extra_sentence_files() if p.name == "news_events.jsonl"]
    lines = events_file.read_text(encoding="utf-8").splitlines()
    (geneva / "train.jsonl").write_text("\n".join(lines[:40]) + "\n", encoding="utf-8")
    (geneva / "val.jsonl").write_text("\n".join(lines[40:60]) + "\n", encoding="utf-8")
    news = root / "news"
    news.mkdir()
    (news / "tiny.txt").write_text(NEWS_CORPUS, encoding="utf-8")
    return data, news


def train_arguments(data: Path, news: Path, output: Path, *extra: str) -> list[str]:
    """``newsevents train`` arguments for two optimizer steps on the tiny data."""
    return [
        "train",
        "--data-dir",
        str(data),
        "--output",
        str(output),
        "--no-extra-data",
        "--news-dir",
        str(news),
        "--epochs",
        "1",
        "--max-steps",
        "2",
        *extra,
    ]

"""Hand-written news sentences that extend the GENEVA training data.

GENEVA has few news events such as meetings, calls and visits, and no sentence without an
event, so a tagger trained on it alone over-triggers on news. These sentences were written
for this project by the newsevents team (see README.md); the trainer reads the built JSON
lines files next to GENEVA's.
"""

from __future__ import annotations

from pathlib import Path

from workers.tagger.geneva import Sentence, read_sentences

EXTRA_DATA_DIR = Path(__file__).resolve().parent

#: (authoring file, built JSON-lines file, document id) for each part of the data.
SOURCES = (
    ("news_events.txt", "news_events.jsonl", "newsevents_extra_events"),
    ("negatives.txt", "negatives.jsonl", "newsevents_extra_negatives"),
)


def extra_sentence_files() -> list[Path]:
    """The built JSON-lines files, in the OneIE format that ``read_sentences`` reads."""
    return [EXTRA_DATA_DIR / output for _, output, _ in SOURCES]


def load_extra_sentences() -> list[Sentence]:
    """Every extra sentence, positives first, parsed like GENEVA's own files."""
    return [sentence for path in extra_sentence_files() for sentence in read_sentences(path)]

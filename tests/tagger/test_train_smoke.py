"""``newsevents train`` end to end on a tiny data folder, then load and evaluate the model.

The data folder is made by the test from the project's own annotated sentences (the
ontology comes from the handout, which CI has beside the repository); two optimizer steps
are enough to check that training writes a complete model directory that the tagger and
``newsevents evaluate`` can use.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from services.cli import main
from shared.settings import get_settings
from workers.tagger.extra_data import extra_sentence_files
from workers.tagger.news_corpus import load_split
from workers.tagger.news_corpus.jsonl import to_record
from workers.tagger.tagger import Tagger

pytestmark = pytest.mark.slow

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


def test_train_writes_a_model_that_loads_and_evaluates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ontology = get_settings().data_dir / "geneva" / "event_ontology.json"
    if not ontology.is_file():
        pytest.skip(f"the handout ontology is not at {ontology}")
    data = tmp_path / "data" / "geneva"
    data.mkdir(parents=True)
    shutil.copy(ontology, data / "event_ontology.json")
    [events_file] = [p for p in extra_sentence_files() if p.name == "news_events.jsonl"]
    lines = events_file.read_text(encoding="utf-8").splitlines()
    (data / "train.jsonl").write_text("\n".join(lines[:40]) + "\n", encoding="utf-8")
    (data / "val.jsonl").write_text("\n".join(lines[40:60]) + "\n", encoding="utf-8")
    news = tmp_path / "news"
    news.mkdir()
    # Blocks whose names hash to both sides of the split (see news_corpus.split).
    (news / "tiny.txt").write_text(NEWS_CORPUS, encoding="utf-8")
    output = tmp_path / "model"

    status = main(
        [
            "train",
            "--data-dir",
            str(tmp_path / "data"),
            "--output",
            str(output),
            "--no-extra-data",
            "--news-dir",
            str(news),
            "--epochs",
            "1",
            "--max-steps",
            "2",
        ]
    )

    assert status == 0
    for name in (
        "model.safetensors",
        "labels.json",
        "newsevents.json",
        "README.md",
        "encoder/config.json",
        "tokenizer/tokenizer.json",
    ):
        assert (output / name).is_file(), name
    metadata = json.loads((output / "newsevents.json").read_text())
    assert metadata["training"]["seed"] == 13 and "val" in metadata["scores"]
    assert "news_dev" in metadata["scores"]
    labels = json.loads((output / "labels.json").read_text())
    assert "PROTEST" in labels["plover_types"] and "Demonstrating" in labels["event_types"]
    tagger = Tagger.load(output, device="cpu")
    assert tagger.info.name == "newsevents-minilm"
    capsys.readouterr()
    assert (
        main(["evaluate", "--model", str(output), "--data", str(data / "val.jsonl"), "--json"]) == 0
    )
    report = json.loads(capsys.readouterr().out)
    scores = report["scores"][str(data / "val.jsonl")]
    assert set(scores) >= {
        "trigger_classification",
        "argument_classification",
        "argument_classification_gold_triggers",
    }
    guide = tmp_path / "guide.jsonl"
    guide.write_text(
        "".join(json.dumps(to_record(s)) + "\n" for s in load_split("dev", news)),
        encoding="utf-8",
    )
    assert main(["evaluate", "--model", str(output), "--data", str(guide), "--json"]) == 0
    plover = json.loads(capsys.readouterr().out)["scores"][str(guide)]["plover"]
    assert plover["categories"] and "actor" in plover and "event_free" in plover

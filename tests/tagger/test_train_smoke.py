"""``newsevents train`` end to end on a tiny data folder, then load and evaluate the model.

The data folder is made by the test from the project's own annotated sentences (the
ontology comes from the handout, which CI has beside the repository); two optimizer steps
are enough to check that training writes a complete model directory that the tagger and
``newsevents evaluate`` can use.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tiny_training import train_arguments, write_tiny_data

from services.cli import main
from workers.tagger.news_corpus import load_split
from workers.tagger.news_corpus.jsonl import to_record
from workers.tagger.tagger import Tagger

pytestmark = pytest.mark.slow


def test_train_writes_a_model_that_loads_and_evaluates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir, news = write_tiny_data(tmp_path)
    data = data_dir / "geneva"
    output = tmp_path / "model"

    status = main(train_arguments(data_dir, news, output))

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


def test_weight_average_scores_both_weights_and_keeps_the_better(tmp_path: Path) -> None:
    data_dir, news = write_tiny_data(tmp_path)
    output = tmp_path / "model"

    status = main(train_arguments(data_dir, news, output, "--weight-average", "0.9"))

    assert status == 0
    training = json.loads((output / "newsevents.json").read_text())["training"]
    assert training["weight_average"] == 0.9
    assert [entry["weights"] for entry in training["log"]] == ["trained", "averaged"]
    assert training["best_weights"] in ("trained", "averaged")
    Tagger.load(output, device="cpu").extract([])


def test_a_weight_average_decay_of_one_is_refused(tmp_path: Path) -> None:
    data_dir, news = write_tiny_data(tmp_path)
    assert main(train_arguments(data_dir, news, tmp_path / "m", "--weight-average", "1")) == 2

"""``newsevents sweep``: configurations parsed, models ranked, the best copied.

The last test runs two real two-step trainings on the tiny data folder, in parallel.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tiny_training import train_arguments, write_tiny_data

from services.cli import main
from services.commands.sweep import Outcome, parse_configs, ranked_table, read_outcome


def test_configurations_are_split_like_a_shell() -> None:
    configs = parse_configs(["lr3=--encoder-lr 3e-4 --seed 7", "base="])
    assert configs == {"lr3": ["--encoder-lr", "3e-4", "--seed", "7"], "base": []}


@pytest.mark.parametrize("spec", ["no-equals", "=--seed 1", "a/b=--seed 1"])
def test_bad_configuration_names_are_refused(spec: str) -> None:
    with pytest.raises(ValueError, match="NAME=OPTIONS"):
        parse_configs([spec])


def test_a_name_given_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="twice"):
        parse_configs(["a=--seed 1", "a=--seed 2"])


def write_metadata(directory: Path, trigger: float, argument: float, plover: float) -> None:
    directory.mkdir(parents=True)
    scores = {
        "val": {
            "trigger_classification": {"f1": trigger},
            "argument_classification": {"f1": argument},
        },
        "news_dev": {"category_macro_f1": plover, "actor": {"f1": 50.0}},
    }
    (directory / "newsevents.json").write_text(json.dumps({"scores": scores}))


def test_models_are_ranked_by_the_training_total(tmp_path: Path) -> None:
    write_metadata(tmp_path / "a", 78.0, 50.0, 70.0)  # 248
    write_metadata(tmp_path / "b", 80.0, 49.0, 72.0)  # 251
    outcomes = [
        read_outcome("a", 0, tmp_path / "a"),
        read_outcome("b", 0, tmp_path / "b"),
        read_outcome("c", 1, tmp_path / "c"),
    ]
    assert [o.total for o in outcomes] == [248.0, 251.0, None]
    lines = ranked_table(outcomes).splitlines()
    assert lines[0].startswith("b: total 251.0") and lines[1].startswith("a: total 248.0")
    assert lines[2] == "c: failed (exit 1, see its log)"


def test_a_run_that_failed_has_no_total_even_with_old_files(tmp_path: Path) -> None:
    write_metadata(tmp_path / "a", 78.0, 50.0, 70.0)
    assert read_outcome("a", 2, tmp_path / "a") == Outcome("a", 2, None, {})


@pytest.mark.slow
def test_a_sweep_trains_each_configuration_and_copies_the_best(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data, news = write_tiny_data(tmp_path)
    every = train_arguments(data, news, tmp_path / "unused")
    at = every.index("--output")  # the sweep gives each configuration its own output
    shared = every[1:at] + every[at + 2 :]
    output, best = tmp_path / "sweep", tmp_path / "best"
    arguments = ["sweep", "--output", str(output), "--parallel", "2", "--best", str(best)]
    configs = ["--config", "s13=--seed 13", "--config", "s7=--seed 7"]

    assert main([*arguments, *configs, "--", *shared]) == 0

    table = capsys.readouterr().out
    assert "s13: total" in table and "s7: total" in table
    for name in ("s13", "s7"):
        assert (output / name / "model.safetensors").is_file()
        assert (output / f"{name}.log").stat().st_size > 0
    seeds = json.loads((best / "newsevents.json").read_text())["training"]["seed"]
    assert f"best: s{seeds}, copied to {best}" in table

"""Choosing the model by one setting: ``NEWSEVENTS_MODEL`` (a name) or
``NEWSEVENTS_MODEL_PATH`` (a folder), and the errors when the choice cannot be loaded."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from services.cli import main
from services.local_stack import model_problem
from shared.settings import DEFAULT_MODEL_DIR, MODELS_DIR, Settings, model_dir
from workers.tagger.model_io import load_model

ACCURATE_DIR = MODELS_DIR / "accurate"


def test_a_model_name_sets_the_model_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NEWSEVENTS_MODEL_PATH", raising=False)
    monkeypatch.setenv("NEWSEVENTS_MODEL", "accurate")
    assert Settings().model_path == ACCURATE_DIR
    monkeypatch.setenv("NEWSEVENTS_MODEL", "default")
    assert Settings().model_path == DEFAULT_MODEL_DIR
    monkeypatch.delenv("NEWSEVENTS_MODEL")
    assert Settings().model_path == DEFAULT_MODEL_DIR


def test_an_unknown_name_or_two_disagreeing_settings_are_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("NEWSEVENTS_MODEL", "huge")
    with pytest.raises(ValidationError, match="must be one of default, accurate"):
        Settings()
    monkeypatch.setenv("NEWSEVENTS_MODEL", "accurate")
    monkeypatch.setenv("NEWSEVENTS_MODEL_PATH", str(tmp_path))
    with pytest.raises(ValidationError, match="disagree"):
        Settings()
    monkeypatch.setenv("NEWSEVENTS_MODEL_PATH", str(ACCURATE_DIR))
    assert Settings().model_path == ACCURATE_DIR


def test_names_and_paths_given_as_model_arguments(tmp_path: Path) -> None:
    assert model_dir("accurate") == ACCURATE_DIR
    assert model_dir("default") == DEFAULT_MODEL_DIR
    assert model_dir(str(tmp_path)) == tmp_path
    assert model_dir("models/mine") == Path("models/mine")


@pytest.mark.skipif(ACCURATE_DIR.exists(), reason="the accurate model has been trained")
def test_the_untrained_accurate_model_says_how_to_train_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(FileNotFoundError) as caught:
        load_model(ACCURATE_DIR, device="cpu")  # type: ignore[arg-type]
    message = str(caught.value)
    assert "has not been trained" in message
    assert "newsevents train --encoder accurate --lora-rank" in message
    assert model_problem(ACCURATE_DIR) == message
    text = tmp_path / "article.txt"
    text.write_text("Police arrested two men in Lima on Friday.", encoding="utf-8")
    assert main(["extract", "--model", "accurate", str(text)]) == 2
    assert "error: the accurate model has not been trained" in capsys.readouterr().err


def test_a_missing_folder_names_both_settings(tmp_path: Path) -> None:
    problem = model_problem(tmp_path / "absent")
    assert problem is not None
    assert str(tmp_path / "absent") in problem and "NEWSEVENTS_MODEL" in problem

"""Reading articles to submit: text files with sidecars, folders, JSON lines."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from services.commands.inputs import parse_jsonl, read_inputs, read_path

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
SEED_ID = "ukrinform-2025-12-06-peace-talks"


def test_text_file_with_the_seed_sidecar(tmp_path: Path) -> None:
    shutil.copy(SEEDS / f"{SEED_ID}.txt", tmp_path)
    shutil.copy(SEEDS / f"{SEED_ID}.meta.json", tmp_path)
    batch = read_path(tmp_path / f"{SEED_ID}.txt")
    assert batch.problems == []
    [article] = batch.articles
    assert article.id == SEED_ID
    assert article.payload["published_at"] == "2025-12-06"
    assert article.payload["source"] == "Ukrinform"
    assert article.payload["title"].startswith("Zelensky")
    assert "file" not in article.payload  # sidecar bookkeeping is not sent
    assert article.payload["text"] == (SEEDS / f"{SEED_ID}.txt").read_text(encoding="utf-8")


def test_text_file_without_sidecar_uses_the_stem(tmp_path: Path) -> None:
    path = tmp_path / "story-7.txt"
    path.write_text("Rebels seized the airport.", encoding="utf-8")
    [article] = read_path(path).articles
    assert article.payload == {"id": "story-7", "text": "Rebels seized the airport."}
    assert article.origin == str(path)


def test_sidecar_id_wins_over_the_stem(tmp_path: Path) -> None:
    (tmp_path / "story.txt").write_text("Text.", encoding="utf-8")
    (tmp_path / "story.meta.json").write_text(json.dumps({"id": "real-id"}), encoding="utf-8")
    [article] = read_path(tmp_path / "story.txt").articles
    assert article.id == "real-id"


def test_broken_sidecar_and_empty_text_are_problems(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Text.", encoding="utf-8")
    (tmp_path / "a.meta.json").write_text("{not json", encoding="utf-8")
    (tmp_path / "b.txt").write_text("   \n", encoding="utf-8")
    (tmp_path / "c.txt").write_bytes(b"\xff\xfe bad")
    batch = read_path(tmp_path)
    assert batch.articles == []
    messages = [str(problem) for problem in batch.problems]
    assert messages[0].startswith(str(tmp_path / "a.meta.json"))
    assert "line 1 column 2" in messages[0]
    assert messages[1] == f"{tmp_path / 'b.txt'}: field 'text' is empty"
    assert "not UTF-8" in messages[2]


def test_folder_reads_txt_and_jsonl_sorted(tmp_path: Path) -> None:
    (tmp_path / "b.txt").write_text("B text.", encoding="utf-8")
    (tmp_path / "a.jsonl").write_text(
        json.dumps({"id": "j-1", "text": "J one."}) + "\n", encoding="utf-8"
    )
    (tmp_path / "c.txt").write_text("C text.", encoding="utf-8")
    (tmp_path / "notes.md").write_text("ignored", encoding="utf-8")
    (tmp_path / "b.meta.json").write_text(json.dumps({"source": "S"}), encoding="utf-8")
    batch = read_path(tmp_path)
    assert batch.problems == []
    assert [article.id for article in batch.articles] == ["j-1", "b", "c"]
    assert batch.articles[1].payload["source"] == "S"


def test_jsonl_bad_lines_are_reported_and_skipped() -> None:
    lines = [
        json.dumps({"id": "ok-1", "text": "First.", "published_at": "2025-01-02"}),
        "{broken",
        "",
        json.dumps(["not", "an", "object"]),
        json.dumps({"id": "no-text"}),
        json.dumps({"text": "No id is fine."}),
        json.dumps({"id": "", "text": "Blank id."}),
        json.dumps({"id": "ok-2", "text": 7}),
    ]
    batch = parse_jsonl(lines, "in.jsonl")
    assert [article.origin for article in batch.articles] == ["in.jsonl:1", "in.jsonl:6"]
    assert batch.articles[1].id is None
    assert [str(problem) for problem in batch.problems] == [
        "in.jsonl:2: invalid JSON: Expecting property name enclosed in double quotes",
        "in.jsonl:4: expected a JSON object, got list",
        "in.jsonl:5: missing field 'text'",
        "in.jsonl:7: field 'id' must be a non-blank string when given",
        "in.jsonl:8: field 'text' must be a string, got int",
    ]


def test_read_inputs_keeps_argument_order_and_reports_missing_paths(tmp_path: Path) -> None:
    first = tmp_path / "z.txt"
    first.write_text("Z.", encoding="utf-8")
    lines = tmp_path / "a.jsonl"
    lines.write_text(json.dumps({"id": "a-1", "text": "A."}) + "\n", encoding="utf-8")
    other = tmp_path / "data.csv"
    other.write_text("x", encoding="utf-8")
    empty = tmp_path / "empty"
    empty.mkdir()
    batch = read_inputs([first, lines, tmp_path / "missing.txt", other, empty])
    assert [article.id for article in batch.articles] == ["z", "a-1"]
    assert [problem.message for problem in batch.problems] == [
        "no such file or folder",
        "unsupported file type (expected .txt or .jsonl)",
        "folder holds no .txt or .jsonl files",
    ]

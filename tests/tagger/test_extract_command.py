"""``newsevents extract``: JSON lines in, one result per good line out, every bad line named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from services.cli import main

pytestmark = pytest.mark.slow


def test_bad_lines_are_reported_and_good_lines_still_processed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = [
        json.dumps({"id": "a", "text": "Rebels attacked the town on Monday."}),
        "{not json",
        json.dumps({"text": "no id here"}),
        json.dumps({"id": "blank", "text": "   "}),
        json.dumps({"id": "long", "text": "x" * 300}),
        json.dumps({"id": "ctrl", "text": "bell \u0007 here"}),
        json.dumps({"id": "b", "text": "Ministers met in Geneva.", "published_at": "2025-12-06"}),
    ]
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")

    status = main(["extract", "--input", str(source), "--max-chars", "200"])

    out, err = capsys.readouterr()
    assert status == 1
    results = [json.loads(line) for line in out.splitlines()]
    assert [r["article_id"] for r in results] == ["a", "b"]
    assert f"{source}:2: invalid JSON" in err
    assert f"{source}:3: id: missing field" in err
    assert f"{source}:4: field 'text' is empty" in err
    assert f"{source}:5: text: 300 characters is over the limit of 200" in err
    assert f"{source}:6: text: text contains control character U+0007" in err


def test_text_file_with_sidecar_and_pretty_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    article = tmp_path / "story.txt"
    article.write_text("Witkoff traveled to Moscow on Tuesday.", encoding="utf-8")
    (tmp_path / "story.meta.json").write_text(json.dumps({"published_at": "2025-12-06"}))

    assert main(["extract", str(article)]) == 0
    [result] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert result["article_id"] == "story"
    trips = [e for e in result["events"] if e["trigger"]["text"] == "traveled"]
    assert trips and trips[0]["time"]["value"] == "2025-12-02"

    assert main(["extract", "--pretty", str(article)]) == 0
    assert "traveled" in capsys.readouterr().out

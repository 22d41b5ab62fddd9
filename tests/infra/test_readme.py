"""The README tells the truth about the project: its commands, settings and result shape."""

from __future__ import annotations

import re

from services.settings_doc import TABLE_END, TABLE_START, all_env_names, settings_table, table_in
from shared.schemas import ExtractionResult
from shared.settings import REPO_ROOT

README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")


def test_the_first_lines_name_make_run_and_make_test() -> None:
    lines = [line for line in README.splitlines() if line.strip()]
    assert lines[0].startswith("# ")
    assert "`make run`" in lines[1]
    assert "`make test`" in lines[1]


def table_variables(table: str) -> set[str]:
    variables = set()
    for row in table.splitlines()[2:]:
        first_cell = row.split("|")[1]
        variables |= set(re.findall(r"`([A-Z0-9_]+)`", first_cell))
    return variables


def test_the_settings_table_lists_exactly_the_settings() -> None:
    assert README.count(TABLE_START) == 1 and README.count(TABLE_END) == 1
    assert table_variables(table_in(README)) == all_env_names()


def test_the_settings_table_is_the_generated_one() -> None:
    """Defaults and meanings too; `make settings-table` fixes a failure here."""
    assert table_in(README) == settings_table()


def test_every_setting_has_a_meaning() -> None:
    for row in settings_table().splitlines()[2:]:
        assert row.split("|")[3].strip(), row


def test_the_result_example_is_a_valid_result_of_the_example_article() -> None:
    section = README.split("## Results", 1)[1]
    example = re.search(r"```json\n(.*?)```", section, re.DOTALL)
    assert example is not None
    result = ExtractionResult.model_validate_json(example.group(1))
    article = re.search(r'"id": "(?P<id>[^"]+)",\n  "text": "(?P<text>[^"]+)"', README)
    assert article is not None and article["id"] == result.article_id
    text = article["text"]
    for event in result.events:
        spans = [event.trigger, *event.arguments, event.time, event.place]
        spans += [*event.plover.actor, *event.plover.recipient] if event.plover else []
        for span in spans:
            if span is not None:
                assert text[span.start : span.end] == span.text, span


def test_the_data_licence_is_attributed() -> None:
    assert (
        "GENEVA (Parekh, Hsu, Huang, Chang, Peng, ACL 2023) and Berkeley FrameNet "
        "(Baker, Fillmore, Lowe, 1998), CC BY 3.0" in " ".join(README.split())
    )


def test_the_model_scores_placeholder_or_scores_are_present() -> None:
    assert "<!-- model-scores -->" in README


def test_every_documented_subcommand_exists() -> None:
    from services.cli import SUBCOMMANDS

    documented = set(re.findall(r"`newsevents ([a-z]+)", README))
    assert documented, "the README documents no newsevents subcommand"
    missing = {
        name
        for name in documented
        if not (REPO_ROOT / "services" / "commands" / f"{name}.py").is_file()
    }
    assert missing == set()
    assert set(SUBCOMMANDS) <= documented

"""The worker-pool benchmark: spawned tagger processes report their articles, and a
process that fails is an error instead of a hang."""

from __future__ import annotations

from pathlib import Path

import pytest

from workers.tagger.bench import bench_articles
from workers.tagger.bench_processes import pool_table, run_pool

pytestmark = pytest.mark.slow


def test_two_processes_each_tag_every_article() -> None:
    articles = bench_articles(2)
    run = run_pool(2, None, "cpu", [articles[:1], articles[1:]])
    assert run.processes == 2 and run.articles == 4
    assert 0 < run.model_seconds < 2 * run.seconds
    table = pool_table([run])
    assert table.splitlines()[1].split()[0] == "2"


def test_a_process_that_cannot_load_its_model_fails_the_run(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="tagger process failed"):
        run_pool(2, tmp_path / "no-model", "cpu", [bench_articles(1)])

"""The workers' metrics: what a measured model call records, and the multiprocess set-up.

The endpoint of a real worker, fed by its pool processes, is checked end to end by
tests/integration/test_metrics_stack.py; these check the pieces in one process.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from prometheus_client import REGISTRY

from shared.schemas import Article, Event, ExtractionResult, ModelInfo, Span
from shared.settings import REPO_ROOT
from workers.metrics import record_batch, timed_extractor


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def fake_extract(articles: list[Article]) -> list[ExtractionResult]:
    """Two events for the first article, none for the others."""
    event = Event(type="Meet", trigger=Span(text="met", start=0, end=3), confidence=1.0, sentence=0)
    model = ModelInfo(name="fake", version="1")
    return [
        ExtractionResult(article_id=article.id, model=model, events=[event] * (2 if i == 0 else 0))
        for i, article in enumerate(articles)
    ]


def test_a_measured_model_call_records_batch_time_and_events() -> None:
    names = (
        "newsevents_worker_batch_size_count",
        "newsevents_worker_batch_size_sum",
        "newsevents_worker_tagger_seconds_count",
        "newsevents_worker_tagger_seconds_per_article_count",
        "newsevents_worker_events_per_article_count",
        "newsevents_worker_events_per_article_sum",
    )
    before = {name: sample(name) for name in names}
    articles = [Article(id=f"a{i}", text="met someone") for i in range(3)]
    results = timed_extractor(fake_extract)(articles)
    assert [result.article_id for result in results] == ["a0", "a1", "a2"]
    moved = {name: sample(name) - before[name] for name in names}
    assert moved == {
        "newsevents_worker_batch_size_count": 1,
        "newsevents_worker_batch_size_sum": 3,
        "newsevents_worker_tagger_seconds_count": 1,
        "newsevents_worker_tagger_seconds_per_article_count": 3,
        "newsevents_worker_events_per_article_count": 3,
        "newsevents_worker_events_per_article_sum": 2,
    }


def test_a_batch_report_counts_each_outcome() -> None:
    name = "newsevents_worker_articles_processed_total"
    before = {outcome: sample(name, outcome=outcome) for outcome in ("done", "failed", "missing")}
    record_batch({"done": ["t/a", "t/b"], "failed": ["t/c"], "skipped": [], "missing": []})
    assert sample(name, outcome="done") - before["done"] == 2
    assert sample(name, outcome="failed") - before["failed"] == 1
    assert sample(name, outcome="missing") == before["missing"]


PROBE = """
import json, os, sys
from workers.metrics_server import prepare_multiprocess_dir
prepare_multiprocess_dir(int(sys.argv[1]))
from prometheus_client import values
from workers.metrics import ARTICLES_PROCESSED
ARTICLES_PROCESSED.labels(outcome="done").inc()
folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
files = sorted(os.listdir(folder)) if folder else []
print(json.dumps({"folder": folder, "multiprocess": values.ValueClass is not values.MutexValue,
                  "files": files}))
"""


def run_probe(port: int) -> dict[str, object]:
    answer = subprocess.run(
        [sys.executable, "-c", PROBE, str(port)],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env={"PATH": "/usr/bin:/bin"},
        timeout=120,
        check=True,
    )
    result: dict[str, object] = json.loads(answer.stdout)
    return result


def test_a_metrics_port_switches_the_process_to_multiprocess_files_removed_at_exit() -> None:
    probe = run_probe(9999)
    assert probe["multiprocess"] is True
    assert probe["files"], "values are written to files a scrape can sum"
    assert not Path(str(probe["folder"])).exists(), "the temporary folder is removed at exit"


def test_without_a_port_values_stay_in_memory() -> None:
    probe = run_probe(0)
    assert probe == {"folder": None, "multiprocess": False, "files": []}

"""The benchmark's articles and report (the timed run itself is `make bench-stack`)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from services.bench_stack import (
    Timing,
    bench_articles,
    bracketed,
    median_round,
    parse_args,
    report,
    seed_paragraphs,
)
from shared.redis_testing import redis_test_url
from shared.settings import REPO_ROOT, Settings
from shared.store.convert import content_hash


def test_benchmark_articles_are_distinct_for_the_store() -> None:
    paragraphs = seed_paragraphs()
    articles = bench_articles(300, paragraphs)
    assert len(articles) == 300
    assert len({article.id for article in articles}) == 300
    assert len({content_hash(article.text) for article in articles}) == 300


def test_benchmark_articles_are_made_of_seed_paragraphs() -> None:
    paragraphs = seed_paragraphs()
    assert len(paragraphs) > 3
    for article in bench_articles(20, paragraphs):
        header, *body = article.text.split("\n\n")
        assert header.startswith("Update ")
        assert 1 <= len(body) <= 3
        assert all(paragraph in paragraphs for paragraph in body)
        assert article.reference_date() is not None


def test_the_report_states_both_rates_and_the_ratio() -> None:
    text = report(Timing(300, 60.0), Timing(300, 40.0), Settings(worker_batch_size=16), "cpu")
    assert "300 articles, worker batch 16, device cpu" in text
    assert "5.00 articles/s" in text  # 300 / 60
    assert "7.50 articles/s" in text  # 300 / 40
    assert "1.50x  (overhead 50%)" in text
    assert "end to end at 0.67x the tagger alone's articles/s" in text


def test_the_tagger_time_is_the_mean_of_its_runs_around_the_stack() -> None:
    assert bracketed(Timing(48, 10.0), Timing(48, 12.0)) == Timing(48, 11.0)


def test_the_median_round_is_reported() -> None:
    rounds = [
        (Timing(48, 20.0), Timing(48, 16.0)),  # 0.80x
        (Timing(48, 16.0), Timing(48, 16.0)),  # 1.00x
        (Timing(48, 18.0), Timing(48, 16.2)),  # 0.90x
    ]
    assert median_round(rounds) == rounds[2]
    assert median_round(rounds[:2]) == rounds[0]  # of two, the slower
    assert parse_args(["--rounds", "3"]).rounds == 3
    with pytest.raises(SystemExit):
        parse_args(["--rounds", "0"])


def test_the_article_count_must_be_positive() -> None:
    assert parse_args(["--articles", "5"]).articles == 5
    with pytest.raises(SystemExit):
        parse_args(["--articles", "0"])


@pytest.mark.slow
def test_the_benchmark_runs_end_to_end(tmp_path: Path) -> None:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "NEWSEVENTS_REDIS_URL": redis_test_url(15)}
    command = [sys.executable, "-m", "services.bench_stack", "--articles", "6"]
    answer = subprocess.run(
        [*command, "--db", str(tmp_path / "bench.db"), "--log-dir", str(tmp_path / "log")],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env=env,
        timeout=600,
        check=False,
    )
    assert answer.returncode == 0, answer.stdout + answer.stderr
    rates = re.findall(r"([0-9.]+) articles/s", answer.stdout)
    assert len(rates) == 2 and all(float(rate) > 0 for rate in rates), answer.stdout
    assert re.search(r"service time / model time: [0-9.]+x", answer.stdout)


def test_the_benchmark_without_a_model_fails_at_once(tmp_path: Path) -> None:
    env = {**os.environ, "NEWSEVENTS_MODEL_PATH": str(tmp_path / "none")}
    answer = subprocess.run(
        [sys.executable, "-m", "services.bench_stack", "--articles", "1"],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env=env,
        timeout=120,
        check=False,
    )
    assert answer.returncode == 2
    assert f"no model at {tmp_path / 'none'}" in answer.stderr


def test_the_default_texts_are_realistic_articles_distinct_for_the_store() -> None:
    from workers.tagger.bench import bench_articles as news_articles

    args = parse_args([])
    assert args.texts == "news" and args.articles == 48
    assert parse_args(["--texts", "seed"]).articles == 300
    articles = news_articles(args.articles)
    assert len({content_hash(article.text) for article in articles}) == len(articles)
    assert all(400 <= len(article.text.split()) <= 900 for article in articles)

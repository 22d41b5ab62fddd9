"""An older commit's tagger runs in a child process from its own checkout and answers timed
runs (here the repository's own HEAD, so the test needs no particular history)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from shared.settings import REPO_ROOT
from workers.tagger.bench import bench_articles
from workers.tagger.bench_baseline import CommitTagger, worktree


@pytest.fixture
def checkouts(tmp_path: Path):  # type: ignore[no-untyped-def]
    yield tmp_path
    for checkout in tmp_path.iterdir():
        subprocess.run(
            ["git", "-C", str(REPO_ROOT), "worktree", "remove", "--force", str(checkout)],
            check=False,
        )


def test_commit_tagger_runs_the_checkout_one_at_a_time_and_batched(checkouts: Path) -> None:
    articles = bench_articles(2, min_words=60, max_words=90)
    with CommitTagger("HEAD", articles, device="cpu", checkouts=checkouts) as child:
        single, batched = child.run(1), child.run(2)
    assert single.seconds > 0 and batched.seconds > 0
    assert single.events > 0
    assert single.events == batched.events
    head = subprocess.run(
        ["git", "-C", str(REPO_ROOT), "rev-parse", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    checkout = checkouts / head[:12]
    assert (checkout / "workers" / "tagger" / "tagger.py").exists()
    assert worktree("HEAD", under=checkouts) == checkout  # made once, then reused


def test_unknown_commit_is_a_clear_error(checkouts: Path) -> None:
    with pytest.raises(ValueError, match="no commit 'no-such-commit-anywhere'"):
        worktree("no-such-commit-anywhere", under=checkouts)

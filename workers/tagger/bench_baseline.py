"""An older commit's tagger, run beside today's in the same benchmark.

A speed-up is only worth quoting against a baseline measured in the same run, on the same
machine, on the same articles: this machine's speed drifts by 10-25% between runs. The
baseline that matters is usually the last release, its code and its model together (a
faster decoder is part of what is being measured), so a model directory is not enough.

``CommitTagger`` checks the commit out as a detached git worktree under ``var/bench/``,
starts that checkout's tagger in a child process (its own imports, its own model files)
and keeps it loaded; the benchmark hands it the articles once and then asks it for timed
runs between its own, so both are measured under the same conditions.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from shared.schemas import Article
from shared.settings import REPO_ROOT

#: Runs in the child, inside the old checkout: reads the articles, then one command per
#: line ("single" or "batched N"), and answers each with the run's seconds, model seconds
#: (0 where that commit has no model clock) and event count. Only the API every commit
#: since the benchmark began has is used: ``Tagger.load(device=...)``, ``extract``.
RUNNER = """
import json, sys, time
from shared.schemas import Article
from workers.tagger.tagger import Tagger

setup = json.loads(sys.stdin.readline())
tagger = Tagger.load(device=setup["device"])
articles = [Article(**a) for a in setup["articles"]]
tagger.extract(articles[:2])
clock = getattr(tagger.word_tagger, "clock", None)
print(json.dumps({"ready": True}), flush=True)
for line in sys.stdin:
    words = line.split()
    size = 1 if words[0] == "single" else int(words[1])
    groups = [articles[i : i + size] for i in range(0, len(articles), size)]
    model_before = clock.seconds if clock is not None else 0.0
    started = time.perf_counter()
    events = sum(len(r.events) for g in groups for r in tagger.extract(g))
    seconds = time.perf_counter() - started
    model = clock.seconds - model_before if clock is not None else 0.0
    print(json.dumps({"seconds": seconds, "model_seconds": model, "events": events}), flush=True)
"""


@dataclass
class CommitRun:
    seconds: float
    model_seconds: float
    events: int


def worktree(commit: str, root: Path = REPO_ROOT, under: Path | None = None) -> Path:
    """A detached checkout of ``commit`` under ``under`` (default ``var/bench/``), made
    once, then reused."""
    found = subprocess.run(
        ["git", "-C", str(root), "rev-parse", "--verify", "--quiet", f"{commit}^{{commit}}"],
        capture_output=True, text=True,
    )  # fmt: skip
    if found.returncode != 0:
        raise ValueError(f"no commit {commit!r} in the repository at {root}")
    resolved = found.stdout.strip()
    path = (under or root / "var" / "bench") / resolved[:12]
    if not (path / "workers" / "tagger" / "tagger.py").exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["git", "-C", str(root), "worktree", "add", "--force", "--detach", str(path),
             resolved],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
    return path


class CommitTagger:
    """An older commit's tagger in a child process, loaded once, timed on request."""

    def __init__(
        self,
        commit: str,
        articles: list[Article],
        device: str = "auto",
        checkouts: Path | None = None,
    ) -> None:
        self.commit = commit
        checkout = worktree(commit, under=checkouts)
        env = {**os.environ, "PYTHONPATH": str(checkout), "HF_HUB_OFFLINE": "1"}
        self.process = subprocess.Popen(
            [sys.executable, "-c", RUNNER], cwd=checkout, env=env, text=True,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        )  # fmt: skip
        setup = {
            "device": device,
            "articles": [a.model_dump(mode="json", include={"id", "text", "published_at"})
                         for a in articles],
        }  # fmt: skip
        self._send(json.dumps(setup))
        if "ready" not in self._receive():
            raise RuntimeError(f"the tagger of commit {commit} did not start")

    def run(self, batch: int) -> CommitRun:
        """Extract every article, ``batch`` per call (1: one at a time), timed in the child."""
        self._send("single" if batch == 1 else f"batched {batch}")
        answer = self._receive()
        return CommitRun(answer["seconds"], answer["model_seconds"], int(answer["events"]))

    def close(self) -> None:
        if self.process.stdin:
            self.process.stdin.close()
        self.process.wait(timeout=60)

    def __enter__(self) -> CommitTagger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _send(self, line: str) -> None:
        stream: IO[str] | None = self.process.stdin
        assert stream is not None
        stream.write(line + "\n")
        stream.flush()

    def _receive(self) -> dict[str, float]:
        stream: IO[str] | None = self.process.stdout
        assert stream is not None
        while line := stream.readline():
            if line.startswith("{"):  # loaders may print their own lines first
                answer: dict[str, float] = json.loads(line)
                return answer
        code = self.process.wait(timeout=60)
        raise RuntimeError(f"the tagger of commit {self.commit} exited ({code})")

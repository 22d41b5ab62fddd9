"""Several tagger processes on one device at once, as a worker pool runs them.

A Celery worker with ``NEWSEVENTS_WORKER_CONCURRENCY=N`` forks N pool processes, each with
its own copy of the model; on a GPU host they share one GPU. What N pays is measured here,
not guessed: N spawned processes each load the model (with the host's cores shared out
as the worker shares them, ``threads_per_process``), warm up, wait at a common barrier and
then tag the same batches; the total rate is every process's articles over the time from
the first start to the last finish (``time.monotonic`` is one clock for all processes).

``python -m workers.tagger.bench --processes 1,2,4`` prints one row per pool size.
"""

from __future__ import annotations

import multiprocessing as mp
import queue
import time
from dataclasses import dataclass
from multiprocessing.synchronize import Barrier
from pathlib import Path

from shared.schemas import Article


@dataclass
class PoolRun:
    """One pool size's run: processes, total seconds, summed model seconds."""

    processes: int
    seconds: float
    model_seconds: float
    articles: int

    @property
    def rate(self) -> float:
        return self.articles / self.seconds


def _tag_in_child(
    processes: int,
    model: Path | None,
    device: str,
    groups: list[list[Article]],
    barrier: Barrier,
    results: mp.Queue,
) -> None:
    # Imported here: the spawned child starts from scratch and loads its own model.
    import torch

    from workers.device import threads_per_process
    from workers.tagger.bench import timed
    from workers.tagger.tagger import Tagger

    torch.set_num_threads(threads_per_process(processes))
    tagger = Tagger.load(model, device, quantize="off")
    tagger.extract(groups[0][:2])  # warm-up: first calls allocate
    barrier.wait()
    started = time.monotonic()
    run = timed(tagger, groups)
    results.put((started, started + run.seconds, run.model_seconds))


def run_pool(
    processes: int, model: Path | None, device: str, groups: list[list[Article]]
) -> PoolRun:
    """Tag ``groups`` in each of ``processes`` spawned processes at once."""
    context = mp.get_context("spawn")  # CUDA cannot be used in a forked child
    barrier = context.Barrier(processes)
    results: mp.Queue = context.Queue()
    children = [
        context.Process(
            target=_tag_in_child, args=(processes, model, device, groups, barrier, results)
        )
        for _ in range(processes)
    ]
    for child in children:
        child.start()
    reports: list[tuple[float, float, float]] = []
    while len(reports) < processes:
        try:
            reports.append(results.get(timeout=2))
        except queue.Empty:
            # A child that died cannot report, and the others wait at the barrier for it.
            if any(child.exitcode for child in children):
                for child in children:
                    child.terminate()
                raise RuntimeError("a tagger process failed; see its traceback above") from None
    for child in children:
        child.join()
    started = min(r[0] for r in reports)
    finished = max(r[1] for r in reports)
    articles = processes * sum(len(group) for group in groups)
    return PoolRun(processes, finished - started, sum(r[2] for r in reports), articles)


def pool_table(runs: list[PoolRun]) -> str:
    """Rows of total and per-process rate, with the speed-up over one process."""
    lines = [f"{'processes':>9}{'articles/s':>12}{'per process':>13}{'vs 1':>7}{'model share':>13}"]
    single = next((run.rate for run in runs if run.processes == 1), None)
    for run in runs:
        share = run.model_seconds / (run.seconds * run.processes)
        ratio = f"{run.rate / single:.2f}x" if single else "-"
        lines.append(
            f"{run.processes:>9}{run.rate:>12.2f}{run.rate / run.processes:>13.2f}"
            f"{ratio:>7}{100 * share:>12.0f}%"
        )
    return "\n".join(lines)

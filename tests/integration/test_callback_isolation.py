"""Hostile callback receivers against real workers: extraction goes on, the worker stays small.

The stack is the production one: the intake, the extraction worker (prefork, one child, the
model) on ``newsevents`` and the callbacks worker (threads) on ``newsevents-callbacks``, on
real Redis and a SQLite file. Four articles name hostile receivers on 127.0.0.1 (allowed
through ``NEWSEVENTS_CALLBACK_ALLOWED_NETWORKS``): one that drips a header byte every second,
one that answers 400 with a 300 MiB body, one that redirects to another local receiver
and to 169.254.169.254, one whose URL carries credentials.

Bounds asserted:

* while the drip holds a delivery open, three more articles are extracted, stored and
  streamed: each of them done before that delivery attempt ends, and within
  ``DEADLINE_S`` (15 s) of their submission (a shared queue and pool would have kept them
  waiting for the whole attempt);
* the drip's attempt ends within ``DEADLINE_S`` + 3 s of its start;
* every article ends ``done`` exactly once in the store and once on the stream;
* the 300 MiB body is not downloaded (under 10 % of it sent) and the callbacks worker's peak
  memory (VmHWM) stays under 200 MiB; it never maps torch;
* the redirect is not followed; neither worker log shows the URL's credentials.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pipeline_helpers import (
    Stack,
    WorkerProcess,
    running_stack,
    statuses,
    stream_counts,
    wait_for,
)

from workers.callback_testing import HUGE_BYTES, Receivers, running_receivers

pytestmark = pytest.mark.slow

DEADLINE_S = 15.0
CALLBACK_ENV = {
    "NEWSEVENTS_CALLBACK_TIMEOUT_S": str(DEADLINE_S),
    "NEWSEVENTS_CALLBACK_MAX_RETRIES": "0",
    "NEWSEVENTS_CALLBACK_CONCURRENCY": "4",
}


@pytest.fixture
def receivers() -> Iterator[Receivers]:
    with running_receivers(drip_interval_s=1.0) as running:
        yield running


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    database_url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    with running_stack(database_url, tmp_path, with_callbacks=True, **CALLBACK_ENV) as running:
        yield running


def short_article(key: str, **fields: str) -> dict[str, str]:
    """A one-sentence article: its extraction takes a fraction of a second, even on a busy CPU."""
    text = f"Report {key}: the delegations met in Florida on November 30 to discuss peace."
    return {"id": key, "text": text, "published_at": "2025-12-06", **fields}


def proc_status(worker: WorkerProcess, field: str) -> int:
    """A ``/proc/<pid>/status`` value in kB (VmRSS, VmHWM) of the worker's main process."""
    for line in Path(f"/proc/{worker.pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise AssertionError(f"no {field} in /proc/{worker.pid}/status")


def test_hostile_receivers_do_not_delay_extraction(stack: Stack, receivers: Receivers) -> None:
    assert stack.callbacks is not None
    secret = receivers.url("/status/204?secret-was-reached")
    hostile = {
        "hostile-drip": receivers.url("/drip-headers"),
        "hostile-huge": receivers.url("/huge/400"),
        "hostile-redirect-local": receivers.url(f"/redirect?to={secret}"),
        "hostile-redirect-metadata": receivers.url("/redirect?to=http://169.254.169.254/"),
        "hostile-credentials": receivers.url("/status/204?token=t0ken", "alice:s3cret"),
    }
    stack.submit(*(short_article(key, callback_url=url) for key, url in hostile.items()))
    stack.finish(list(hostile))  # the first batch also loads the model

    def drip_in_flight() -> bool:
        return "/drip-headers" in receivers.log.open_paths

    wait_for(
        drip_in_flight, "the drip callback to be in flight", 60.0, 0.1, stack.callbacks.log_tail
    )

    fresh = [f"fresh-{n}" for n in range(3)]
    submitted = time.monotonic()
    stack.submit(*(short_article(key) for key in fresh))
    stack.finish(fresh, timeout_s=DEADLINE_S)
    extracted_s = time.monotonic() - submitted
    assert drip_in_flight(), "the drip attempt ended before the fresh articles were done"
    assert extracted_s < DEADLINE_S

    wait_for(
        lambda: not drip_in_flight(),
        "the drip attempt to end",
        DEADLINE_S + 10.0,
        0.1,
        stack.callbacks.log_tail,
    )
    [(_, opened, closed)] = [span for span in receivers.log.spans if span[0] == "/drip-headers"]
    assert closed - opened <= DEADLINE_S + 3.0

    every = [*hostile, *fresh]
    assert set(statuses(stack.store, every).values()) == {"done"}
    counts = stream_counts(stack.redis, stack.settings.results_stream)
    assert {key: counts[key] for key in every} == dict.fromkeys(every, 1)

    paths = [request.path for request in receivers.log.requests]
    assert not any(path.startswith("/status/204?secret") for path in paths), paths
    assert receivers.log.huge_bytes_sent < HUGE_BYTES // 10
    assert proc_status(stack.callbacks, "VmHWM") < 200 * 1024
    maps = Path(f"/proc/{stack.callbacks.pid}/maps").read_text()
    assert "torch" not in maps

    delivered = [r for r in receivers.log.requests if r.path.startswith("/status/204?token")]
    assert len(delivered) == 1 and delivered[0].headers["authorization"].startswith("Basic ")
    for log_path in (stack.worker.log_path, stack.callbacks.log_path):
        text = log_path.read_text("utf-8", errors="replace")
        assert "s3cret" not in text and "t0ken" not in text, log_path
    callbacks_log = stack.callbacks.log_path.read_text("utf-8", errors="replace")
    assert callbacks_log.count("a redirect: not followed") == 2
    assert "giving up after 1 attempt(s)" in callbacks_log

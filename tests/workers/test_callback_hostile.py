"""Hostile callback receivers cannot stretch an attempt past its deadline nor blow up memory.

The receivers drip one byte every 0.3 s, less than any per-read timeout, so only a total
deadline per attempt can end them; the deadline here is 1.5 s and each attempt must end
within it plus 1 s of slack (a loaded CI machine). The huge receiver announces 300 MiB.
"""

from __future__ import annotations

import logging
import threading
import time
import tracemalloc
from collections.abc import Iterator

import pytest

from shared.callback_policy import CallbackPolicy
from shared.settings import get_settings
from workers.callback_delivery import MAX_RESPONSE_BYTES, CallbackRetryableError, post_result
from workers.callback_testing import HUGE_BYTES, Receivers, running_receivers
from workers.callbacks import deliver_callback

LOOPBACK = CallbackPolicy.from_setting("127.0.0.1/32")
DEADLINE_S = 1.5
SLACK_S = 1.0


@pytest.fixture
def receivers() -> Iterator[Receivers]:
    with running_receivers(drip_interval_s=0.3) as running:
        yield running


def timed_attempt(url: str, body: str = "{}") -> tuple[float, BaseException | bool]:
    """One attempt, on a thread so that an attempt the deadline fails to end fails the test."""
    outcomes: list[BaseException | bool] = []

    def attempt() -> None:
        try:
            outcomes.append(post_result(url, body, LOOPBACK, DEADLINE_S))
        except CallbackRetryableError as error:
            outcomes.append(error)

    started = time.monotonic()
    worker = threading.Thread(target=attempt, daemon=True)
    worker.start()
    worker.join(timeout=DEADLINE_S + SLACK_S + 3.0)
    assert not worker.is_alive(), "the attempt outlived its deadline"
    return time.monotonic() - started, outcomes[0]


@pytest.mark.parametrize("path", ["/drip-headers", "/drip-body/400", "/drip-body/200"])
def test_a_slow_drip_ends_at_the_deadline(receivers: Receivers, path: str) -> None:
    elapsed, outcome = timed_attempt(receivers.url(path))
    if path == "/drip-body/200":
        # A 2xx body is never read: delivered as soon as the status line is in.
        assert outcome is True and elapsed < DEADLINE_S
        return
    assert isinstance(outcome, CallbackRetryableError), outcome
    assert "ReadTimeout" in str(outcome)
    assert DEADLINE_S - 0.1 <= elapsed <= DEADLINE_S + SLACK_S


def test_a_receiver_that_never_reads_cannot_hold_the_sender(receivers: Receivers) -> None:
    """A large result to a receiver that never reads blocks in write: the deadline ends it."""
    elapsed, outcome = timed_attempt(receivers.url("/no-read"), "x" * (32 * 1024 * 1024))
    assert isinstance(outcome, CallbackRetryableError), outcome
    assert "WriteTimeout" in str(outcome)
    assert elapsed <= DEADLINE_S + SLACK_S


@pytest.mark.parametrize("status", [400, 500, 200])
def test_a_huge_body_is_not_read(receivers: Receivers, status: int) -> None:
    tracemalloc.start()
    try:
        elapsed, outcome = timed_attempt(receivers.url(f"/huge/{status}"))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    if status == 500:
        assert isinstance(outcome, CallbackRetryableError)
    else:
        assert outcome is (status == 200)
    assert elapsed < DEADLINE_S
    assert peak < 2 * 1024 * 1024, f"peak Python memory {peak} bytes"
    time.sleep(0.2)  # let the receiver notice the hang-up
    assert receivers.log.huge_bytes_sent < HUGE_BYTES // 10
    assert MAX_RESPONSE_BYTES <= 8192


def test_the_task_logs_retries_and_giving_up_without_credentials(
    receivers: Receivers, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Celery task itself (run eagerly, in this process): retries then gives up."""
    monkeypatch.setenv("NEWSEVENTS_CALLBACK_ALLOWED_NETWORKS", "127.0.0.1/32")
    monkeypatch.setenv("NEWSEVENTS_CALLBACK_MAX_RETRIES", "2")
    monkeypatch.setenv("NEWSEVENTS_CALLBACK_TIMEOUT_S", str(DEADLINE_S))
    get_settings.cache_clear()
    caplog.set_level(logging.DEBUG)
    try:
        url = receivers.url("/status/503?token=t0ken", "alice:s3cret")
        result = deliver_callback.apply(args=[url, "{}"])
    finally:
        get_settings.cache_clear()
    assert result.get() is False
    assert len(receivers.log.requests) == 3
    assert "giving up after 3 attempt(s)" in caplog.text
    assert "s3cret" not in caplog.text and "t0ken" not in caplog.text

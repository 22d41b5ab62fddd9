"""The transient-error retry policy spends a budget of seconds, not a count of retries."""

from __future__ import annotations

import random

from workers.retry_policy import RetryPolicy


def test_waits_double_up_to_the_cap() -> None:
    policy = RetryPolicy(budget_s=300)
    assert [policy.wait_s(n) for n in range(7)] == [2, 4, 8, 16, 32, 60, 60]


def test_retries_cover_the_budget_of_several_minutes() -> None:
    policy = RetryPolicy(budget_s=300)
    total = sum(policy.wait_s(n) for n in range(policy.max_retries))
    assert 300 <= total < 300 + 60  # five minutes of outage, not 8 quick retries
    assert policy.max_retries == 9


def test_small_budget_still_retries_once() -> None:
    assert RetryPolicy(budget_s=0.5).max_retries == 1


def test_countdown_has_bounded_jitter() -> None:
    policy = RetryPolicy(budget_s=300)
    rng = random.Random(7)
    waits = [policy.countdown(3, rng) for _ in range(200)]
    assert min(waits) >= 16 * 0.75 and max(waits) <= 16 * 1.25
    assert len({round(wait, 3) for wait in waits}) > 100  # workers do not retry in lockstep

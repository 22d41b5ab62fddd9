"""How long a task keeps retrying a database or Redis outage: a budget, not a count.

A full disk or a restarted database is typically back within minutes; eight quick retries
(the old policy) were spent in under a minute of a 60 s outage. The policy here waits 2 s,
4 s, 8 s, ... capped at 60 s between attempts, each with +-25 % jitter so that the tasks of
many workers do not retry in lockstep, and stops once the planned waits add up to the
budget (``db_retry_budget_s``, default 300 s: about ten retries over five minutes). After
that the task gives up; its articles keep their store state and the recovery sweep
(``workers.recovery``) requeues them when their lease runs out or their message is missing.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

#: First wait and longest wait between two attempts, in seconds.
FIRST_WAIT_S = 2.0
MAX_WAIT_S = 60.0
#: Relative jitter of each wait.
JITTER = 0.25


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff bounded by a total budget of seconds."""

    budget_s: float
    first_s: float = FIRST_WAIT_S
    cap_s: float = MAX_WAIT_S

    def wait_s(self, retry: int) -> float:
        """The nominal wait before retry number ``retry + 1`` (no jitter)."""
        return min(self.cap_s, self.first_s * 2.0**retry)

    @property
    def max_retries(self) -> int:
        """Retries whose nominal waits first reach the budget (at least one)."""
        total, retries = 0.0, 0
        while total < self.budget_s:
            total += self.wait_s(retries)
            retries += 1
        return max(1, retries)

    def countdown(self, retry: int, rng: random.Random | None = None) -> float:
        """The wait before retry ``retry + 1``, with jitter."""
        return self.wait_s(retry) * (rng or random).uniform(1 - JITTER, 1 + JITTER)

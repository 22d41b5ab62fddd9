"""Per-key quotas counted in Redis: requests per minute and article characters per day.

Each quota is a fixed window aligned to the clock (UTC minutes, UTC days), one Redis
counter per key and window, raised and checked by one Lua script so that concurrent
intakes never let more through than the limit. A request the quota refuses is refunded
(the counter counts what was let through), answered 429 with ``Retry-After`` (seconds to
the end of the window) and stores nothing. A limit of 0 means unlimited.

A Redis outage **fails open**: the request is let through and a warning is logged (once
per pause), and checks are skipped for ``OUTAGE_PAUSE_S`` so that every request does not
wait for a Redis timeout. The quotas protect capacity, not data: refusing reads of stored
results because the counter is away would turn a queue outage into a full API outage,
and submissions during the outage are answered 503 by the queueing step anyway.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import redis

from services.intake.errors import IntakeError

logger = logging.getLogger(__name__)

#: Seconds quota checks are skipped after Redis failed to answer one.
OUTAGE_PAUSE_S = 5.0
#: Seconds one quota call to Redis may take.
REDIS_TIMEOUT_S = 0.5
#: Prefix of the counters' Redis keys.
KEY_PREFIX = "newsevents:quota"
MINUTE_S = 60
DAY_S = 86_400

#: INCRBY, expire a new counter with its window, refund and refuse when over the limit.
#: Returns the count after the increment (or -count when refused).
_CHARGE_SCRIPT = """
local used = redis.call('INCRBY', KEYS[1], ARGV[1])
if used == tonumber(ARGV[1]) then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
if used > tonumber(ARGV[3]) then
  redis.call('DECRBY', KEYS[1], ARGV[1])
  return -used
end
return used
"""


@dataclass(frozen=True)
class Limits:
    """The quotas of one caller (0 = unlimited) and the name its counters are kept under."""

    subject: str
    requests_per_minute: int
    chars_per_day: int


def too_many(what: str, limit: int, unit: str, retry_after_s: int) -> IntakeError:
    """The 429 answer for a spent quota."""
    return IntakeError(
        429,
        f"quota exceeded: {what} is limited to {limit} {unit} for this API key; "
        f"try again in {retry_after_s} s",
        retry_after_s=retry_after_s,
    )


class QuotaCounter:
    """Charges requests and characters against a caller's limits (see the module docs)."""

    def __init__(self, client: redis.Redis, clock: Callable[[], float] = time.time) -> None:
        self._redis = client
        self._clock = clock
        self._script = client.register_script(_CHARGE_SCRIPT)
        self._paused_until = 0.0
        self._lock = threading.Lock()

    @classmethod
    def from_url(cls, redis_url: str, clock: Callable[[], float] = time.time) -> QuotaCounter:
        """A counter on the Redis at ``redis_url``, with short timeouts."""
        client = redis.Redis.from_url(
            redis_url, socket_timeout=REDIS_TIMEOUT_S, socket_connect_timeout=REDIS_TIMEOUT_S
        )
        return cls(client, clock)

    def close(self) -> None:
        """Close the Redis connections."""
        self._redis.close()

    def charge_request(self, limits: Limits) -> None:
        """Count one request; IntakeError(429) when the minute's requests are spent."""
        limit = limits.requests_per_minute
        if self._charge("requests", limits.subject, 1, limit, MINUTE_S) is False:
            retry = self._retry_after(MINUTE_S)
            raise too_many("requests", limit, "requests per minute", retry)

    def charge_chars(self, limits: Limits, chars: int) -> None:
        """Count ``chars`` article characters; IntakeError(429) when the day's are spent."""
        limit = limits.chars_per_day
        if limit and chars > limit:
            raise IntakeError(
                429,
                f"quota exceeded: this request carries {chars} characters of article text, "
                f"more than this API key may send in a whole day ({limit}); split it",
                retry_after_s=self._retry_after(DAY_S),
            )
        if self._charge("chars", limits.subject, chars, limit, DAY_S) is False:
            retry = self._retry_after(DAY_S)
            raise too_many("article text", limit, "characters per UTC day", retry)

    def _retry_after(self, window_s: int) -> int:
        now = self._clock()
        return max(1, math.ceil((math.floor(now / window_s) + 1) * window_s - now))

    def _charge(self, kind: str, subject: str, amount: int, limit: int, window_s: int) -> bool:
        """Add ``amount``; False when that would pass ``limit`` (then nothing is added)."""
        if limit <= 0 or amount <= 0 or time.monotonic() < self._paused_until:
            return True
        window = math.floor(self._clock() / window_s)
        key = f"{KEY_PREFIX}:{kind}:{subject}:{window}"
        try:
            used = self._script(keys=[key], args=[amount, window_s + 60, limit])
        except (redis.RedisError, OSError) as error:
            self._pause(error)
            return True
        return int(used) >= 0

    def _pause(self, error: BaseException) -> None:
        with self._lock:
            if time.monotonic() < self._paused_until:
                return
            self._paused_until = time.monotonic() + OUTAGE_PAUSE_S
        logger.warning(
            "quota counters unavailable (Redis: %s); letting requests through unchecked for %.0f s",
            error,
            OUTAGE_PAUSE_S,
        )

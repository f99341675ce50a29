"""Rate limits for sign-ups: per client (its address as uvicorn sees it, forwarded by a trusted proxy) and per
email address (so nobody can flood one inbox with confirmation emails).

A sliding window in memory, per process: `digest serve` is one process, and a restart forgetting the counts
costs at most one more window of sign-ups. Old keys are swept as they expire, so memory stays bounded by the
traffic of one window.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable


class Window:
    """At most `limit` events per key in any `seconds` long window."""

    def __init__(self, limit: int, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.seconds, self.clock = limit, seconds, clock
        self.events: dict[str, deque[float]] = {}
        self.lock = threading.Lock()
        self.swept = clock()

    def allow(self, key: str) -> bool:
        """Count one event for `key` and say whether it is within the limit (a refused one is not counted)."""
        now = self.clock()
        with self.lock:
            self._sweep(now)
            seen = self.events.setdefault(key, deque())
            while seen and seen[0] <= now - self.seconds:
                seen.popleft()
            if len(seen) >= self.limit:
                return False
            seen.append(now)
            return True

    def _sweep(self, now: float) -> None:
        if now - self.swept < self.seconds:
            return
        self.swept = now
        for key in [k for k, seen in self.events.items() if not seen or seen[-1] <= now - self.seconds]:
            del self.events[key]


CLIENT_WINDOW = 3600.0  # seconds: `[site] client_limit` sign-ups per client per hour
ADDRESS_WINDOW = 86400.0  # seconds: `[site] address_limit` confirmation emails per address per day

"""Admission control for HTTP requests: the ``RequestGate`` every request of a batch awaits
(retries and re-asks included).

At most ``window`` requests in flight (``concurrency`` at first), optional requests- and
tokens-per-minute buckets, and an adaptive slow-down on HTTP 429: nobody but the request that
got the 429 sends before its Retry-After has passed, and the window is halved (once per episode)
and grows back by one per window's worth of successes.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """Caps for a batch. ``None`` means no cap."""

    requests_per_minute: float | None = None
    tokens_per_minute: float | None = None
    # Tokens one article may spend over all its requests (retries and re-asks included).
    token_budget: int | None = None


# ---------------------------------------------------------------------------------------------
# Throttle
# ---------------------------------------------------------------------------------------------


_EPS = 1e-9  # float dust from refilling must not cost another sleep


class Throttle:
    """Admission control for HTTP requests (the ``RequestGate`` a provider awaits)."""

    def __init__(
        self,
        max_in_flight: int,
        requests_per_minute: float | None = None,
        tokens_per_minute: float | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ):
        self.max_window = max(1, max_in_flight)
        self.window = float(self.max_window)
        self.in_flight = 0
        self.rate_limited = 0
        self._clock, self._sleep = clock, sleep
        self._rps = requests_per_minute / 60 if requests_per_minute else None
        self._tps = tokens_per_minute / 60 if tokens_per_minute else None
        # Token buckets hold one second's worth at most, and start full.
        self._req_cap = max(1.0, self._rps or 0.0)
        self._tok_cap = max(1.0, self._tps or 0.0)
        self._req, self._tok = self._req_cap, self._tok_cap
        self._refilled = clock()
        self._gate_until = 0.0
        self._gate_owner: object = None
        self._last_cut = -math.inf
        self._lock = asyncio.Lock()
        self._waiters: deque[asyncio.Future] = deque()

    def _refill(self, now: float) -> None:
        elapsed = max(0.0, now - self._refilled)
        self._refilled = now
        if self._rps:
            self._req = min(self._req_cap, self._req + elapsed * self._rps)
        if self._tps:
            self._tok = min(self._tok_cap, self._tok + elapsed * self._tps)

    def _delay(self, tokens: int, owner: object) -> float:
        now = self._clock()
        self._refill(now)
        delay = 0.0
        if self._gate_until > now and owner is not self._gate_owner:
            delay = self._gate_until - now
        if self._rps and self._req < 1 - _EPS:
            delay = max(delay, (1 - self._req) / self._rps)
        if self._tps:
            need = min(float(tokens), self._tok_cap)
            if self._tok < need - _EPS:
                delay = max(delay, (need - self._tok) / self._tps)
        return delay

    def _admit(self, tokens: int) -> None:
        self.in_flight += 1
        if self._rps:
            self._req -= 1
        if self._tps:
            self._tok -= tokens  # may go below zero: a big request is paid for by waiting after

    async def acquire(self, tokens: int, owner: object = None) -> None:
        if (
            not self._lock.locked()
            and self.in_flight < int(self.window)
            and self._delay(tokens, owner) <= 0
        ):
            self._admit(tokens)
            return
        async with self._lock:  # FIFO: requests leave in the order they asked
            while True:
                delay = self._delay(tokens, owner)
                if delay > 0:
                    await self._sleep(delay)
                    continue
                if self.in_flight >= max(1, int(self.window)):
                    waiter = asyncio.get_running_loop().create_future()
                    self._waiters.append(waiter)
                    try:
                        await waiter
                    finally:
                        if not waiter.done():
                            waiter.cancel()
                    continue
                break
            self._admit(tokens)

    def release(
        self,
        tokens: int,
        used: int | None,
        status: int | None,
        retry_after: float | None,
        owner: object = None,
    ) -> None:
        self.in_flight -= 1
        if self._tps and used is not None:
            self._tok = min(self._tok_cap, self._tok + (tokens - used))  # pay back the estimate
        if status == 429:
            self.rate_limited += 1
            now = self._clock()
            pause = retry_after if retry_after is not None else 1.0
            if now + pause > self._gate_until:
                self._gate_until, self._gate_owner = now + pause, owner
            if now - self._last_cut >= max(pause, 1.0):  # one cut per episode, not per 429
                self.window = max(1.0, self.window / 2)
                self._last_cut = now
        elif used is not None:
            self.window = min(float(self.max_window), self.window + 1 / self.window)
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                break

"""Throttling of failed sign-ins, per reviewer name and per client address.

After ``max_per_name`` failures for one name, or ``max_per_address`` failures from one address,
within ``window_s``, further sign-ins for that name (or from that address) are refused without
checking the password until the oldest of those failures leaves the window. Refused attempts
are not counted, so a reviewer is never locked out for longer than the window. A successful
sign-in clears the name's failures (not the address's: one address may try many names).

The counters live in server memory, on purpose: counting needs no write to the store, so a
stream of bad sign-ins cannot hold the database's write lock or grow the file, and the
review server is one process per database. A restart of the server clears them; doing that
takes access to the server's host, which an attacker guessing passwords does not have.
Memory stays bounded: failures older than the window are dropped, and at most ``max_keys``
names and addresses are tracked (the least recently failing are forgotten first).

Behind a reverse proxy every request comes from the proxy's address (the server does not
trust forwarding headers), so the per-address limit then counts all clients together; that is
why its default is higher than the per-name limit.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

Clock = Callable[[], float]


class LoginLimiter:
    def __init__(
        self,
        *,
        max_per_name: int,
        max_per_address: int,
        window_s: float,
        clock: Clock = time.time,
        max_keys: int = 10_000,
    ) -> None:
        if max_per_name < 1 or max_per_address < 1 or window_s <= 0:
            raise ValueError("sign-in limits and the window must be positive")
        self.limits = {"name": max_per_name, "address": max_per_address}
        self.window_s = float(window_s)
        self.clock = clock
        self.max_keys = max_keys
        self._failures: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _keys(name: str, address: str | None) -> list[tuple[str, str]]:
        keys = [("name", name.strip().casefold()[:100])]
        if address:
            keys.append(("address", address))
        return keys

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        times = self._failures.get(key)
        if times is None:
            return deque()
        while times and times[0] <= now - self.window_s:
            times.popleft()
        if not times:
            del self._failures[key]
        return times

    def retry_after(self, name: str, address: str | None) -> float | None:
        """Seconds until this name and address may try again, or None if they may now."""
        now = self.clock()
        wait = 0.0
        with self._lock:
            for key in self._keys(name, address):
                times = self._recent(key, now)
                limit = self.limits[key[0]]
                if len(times) >= limit:
                    # allowed again when the failure that makes the count reach the limit expires
                    wait = max(wait, times[len(times) - limit] + self.window_s - now)
        return wait if wait > 0 else None

    def failed(self, name: str, address: str | None) -> None:
        now = self.clock()
        with self._lock:
            for key in self._keys(name, address):
                self._recent(key, now)
                self._failures.setdefault(key, deque()).append(now)
            if len(self._failures) > self.max_keys:
                self._shrink(now)

    def succeeded(self, name: str) -> None:
        with self._lock:
            for key in self._keys(name, None):
                self._failures.pop(key, None)

    def _shrink(self, now: float) -> None:
        for key in list(self._failures):
            self._recent(key, now)
        excess = len(self._failures) - self.max_keys
        if excess > 0:
            oldest = sorted(self._failures, key=lambda k: self._failures[k][-1])[:excess]
            for key in oldest:
                del self._failures[key]

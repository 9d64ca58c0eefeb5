"""Login sessions of the review workspace, kept in the SQLite store (``review_sessions``).

The browser holds a random token in its cookie; the table holds only the token's SHA-256, so a
copy of the database (a backup, a file shared for analysis) signs no one in. A session ends when
the reviewer signs out (the row is deleted), after ``idle_s`` without a request, or ``lifetime_s``
after sign-in, whichever comes first. Because the rows live in the store, restarting
``msi-evidence review`` keeps everyone signed in, and two server processes over one database
share sessions.

Timestamps are ISO-8601 UTC text like the rest of the store. ``last_seen_at`` is refreshed at
most every ``touch_every_s`` (a minute, or a quarter of the idle timeout if that is shorter), so
browsing does not write on every request; the idle timeout is therefore exact to within that
step. Refreshing and purging are best-effort: when a batch run holds the write lock they are
skipped after a short wait instead of stalling the page. Expired rows are purged whenever
someone signs in, and an expired session's row is deleted when its cookie is next presented.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from pipeline.errors import StoreError
from pipeline.store import Store

Clock = Callable[[], float]  # seconds since the epoch, like time.time
QUICK_WAIT_MS = 200  # how long a best-effort write waits for the lock


@dataclass(frozen=True)
class Session:
    token: str  # the cookie value; known only to the browser and to this request
    reviewer: str
    csrf: str


def token_hash(token: str) -> str:
    """What the table stores instead of the token (hex SHA-256)."""
    return hashlib.sha256(token.encode()).hexdigest()


def iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).isoformat(timespec="milliseconds")


def epoch(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


class Sessions:
    """Create, look up and end sessions over the store's connection."""

    def __init__(
        self, store: Store, *, idle_s: float, lifetime_s: float, clock: Clock = time.time
    ) -> None:
        if idle_s <= 0 or lifetime_s <= 0:
            raise ValueError("session timeouts must be positive")
        self.store = store
        self.idle_s = float(idle_s)
        self.lifetime_s = float(lifetime_s)
        self.clock = clock
        self.touch_every_s = min(60.0, self.idle_s / 4)

    def _expiry(self, created: float, last_seen: float) -> float:
        return min(created + self.lifetime_s, last_seen + self.idle_s)

    def create(self, reviewer: str) -> Session:
        """A new session for a reviewer who has just signed in; purges expired rows."""
        session = Session(secrets.token_urlsafe(32), reviewer, secrets.token_urlsafe(32))
        now = self.clock()
        with self.store.write() as conn:
            conn.execute("DELETE FROM review_sessions WHERE expires_at <= ?", (iso(now),))
            conn.execute(
                "INSERT INTO review_sessions (token_hash, reviewer, csrf_token, created_at,"
                " last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    token_hash(session.token),
                    reviewer,
                    session.csrf,
                    iso(now),
                    iso(now),
                    iso(self._expiry(now, now)),
                ),
            )
        return session

    def get(self, token: str | None) -> Session | None:
        """The live session a cookie names, or None (unknown, signed out or expired)."""
        if not token or len(token) > 200:
            return None
        key = token_hash(token)
        row = self.store.conn.execute(
            "SELECT s.reviewer, s.csrf_token, s.created_at, s.last_seen_at, s.expires_at,"
            " (SELECT r.password_hash IS NOT NULL FROM reviewers r WHERE r.name = s.reviewer)"
            "   AS has_password,"
            " EXISTS (SELECT 1 FROM reviewers WHERE password_hash IS NOT NULL) AS any_password"
            " FROM review_sessions s WHERE s.token_hash = ?",
            (key,),
        ).fetchone()
        if row is None:
            return None
        now = self.clock()
        created, last_seen = epoch(row["created_at"]), epoch(row["last_seen_at"])
        expired = now >= min(epoch(row["expires_at"]), self._expiry(created, last_seen))
        # A name-only session (made while no passwords existed) ends once passwords exist.
        unverified = bool(row["any_password"]) and not row["has_password"]
        if expired or unverified:
            self._quietly("DELETE FROM review_sessions WHERE token_hash = ?", (key,))
            return None
        if now - last_seen >= self.touch_every_s:
            self._quietly(
                "UPDATE review_sessions SET last_seen_at = ?, expires_at = ? WHERE token_hash = ?",
                (iso(now), iso(self._expiry(created, now)), key),
            )
        return Session(token, row["reviewer"], row["csrf_token"])

    def drop(self, token: str | None) -> None:
        """Sign out: delete the session's row (waits for the lock like any other write)."""
        if not token:
            return
        with self.store.write() as conn:
            conn.execute("DELETE FROM review_sessions WHERE token_hash = ?", (token_hash(token),))

    def _quietly(self, sql: str, params: tuple) -> None:
        """A best-effort write: skipped when another process holds the lock."""
        try:
            with _short_wait(self.store, QUICK_WAIT_MS), self.store.write() as conn:
                conn.execute(sql, params)
        except StoreError:
            pass


def drop_reviewer_sessions(conn, reviewer: str) -> None:
    """Sign a reviewer out everywhere (inside the caller's write transaction)."""
    conn.execute("DELETE FROM review_sessions WHERE reviewer = ?", (reviewer,))


@contextmanager
def _short_wait(store: Store, ms: int) -> Iterator[None]:
    """Lower the connection's busy timeout for one statement, then restore it."""
    old = int(store.conn.execute("PRAGMA busy_timeout").fetchone()[0])
    store.conn.execute(f"PRAGMA busy_timeout = {int(ms)}")
    try:
        yield
    finally:
        store.conn.execute(f"PRAGMA busy_timeout = {old}")

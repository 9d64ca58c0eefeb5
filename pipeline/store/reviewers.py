"""Reviewer credentials in the store (``reviewers``): a name and an scrypt hash, never a password.

Hashing and checking passwords is ``pipeline.review.auth``'s; this module only reads and writes
the rows.
"""

from __future__ import annotations

from pipeline.store.sessions import drop_reviewer_sessions
from pipeline.store.store import Store, utc_now


def save_credential(store: Store, name: str, password_hash: str) -> None:
    """Create the reviewer or replace their password hash, and sign them out everywhere."""
    with store.write() as conn:
        conn.execute(
            "INSERT INTO reviewers (name, password_hash, created_at) VALUES (?, ?, ?)"
            " ON CONFLICT(name) DO UPDATE SET password_hash = excluded.password_hash",
            (name, password_hash, utc_now()),
        )
        drop_reviewer_sessions(conn, name)


def has_credentials(store: Store) -> bool:
    """Whether any reviewer has a password (then everyone must sign in with one)."""
    row = store.conn.execute(
        "SELECT 1 FROM reviewers WHERE password_hash IS NOT NULL LIMIT 1"
    ).fetchone()
    return row is not None


def reviewer_names(store: Store) -> list[str]:
    return [r[0] for r in store.conn.execute("SELECT name FROM reviewers ORDER BY name")]


def password_hash(store: Store, name: str) -> tuple[bool, str | None]:
    """(whether the reviewer exists, their stored hash or None)."""
    row = store.conn.execute(
        "SELECT password_hash FROM reviewers WHERE name = ?", (name,)
    ).fetchone()
    return (row is not None, row[0] if row is not None else None)

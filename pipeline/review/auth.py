"""Reviewers, their credentials and login sessions.

Credentials are scrypt hashes in the ``reviewers`` table. Without any credential the server
only runs on a loopback address and a reviewer signs in with a name alone; once a credential
exists, every sign-in needs the password. Sessions live in server memory: a random cookie
token maps to the reviewer and a per-session CSRF token.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
from dataclasses import dataclass

from pipeline.errors import MsiEvidenceError
from pipeline.store import Store
from pipeline.store.store import utc_now

NAME_PATTERN = re.compile(r"^[\w.@\- ]{1,64}$")
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


class ReviewerError(MsiEvidenceError):
    """A reviewer name or credential is unusable."""


def check_name(name: str) -> str:
    name = name.strip()
    if not NAME_PATTERN.match(name):
        raise ReviewerError("a reviewer name is 1-64 letters, digits, spaces or . @ _ -")
    return name


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, **_SCRYPT)
    return f"scrypt${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str | None) -> bool:
    if not stored:
        return False
    try:
        scheme, salt_hex, digest_hex = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    digest = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt_hex), **_SCRYPT)
    return hmac.compare_digest(digest.hex(), digest_hex)


def set_credential(store: Store, name: str, password: str) -> None:
    """Create a reviewer, or replace the reviewer's password."""
    name = check_name(name)
    if len(password) < 8:
        raise ReviewerError("a password needs at least 8 characters")
    with store.write() as conn:
        conn.execute(
            "INSERT INTO reviewers (name, password_hash, created_at) VALUES (?, ?, ?)"
            " ON CONFLICT(name) DO UPDATE SET password_hash = excluded.password_hash",
            (name, hash_password(password), utc_now()),
        )


def has_credentials(store: Store) -> bool:
    row = store.conn.execute(
        "SELECT 1 FROM reviewers WHERE password_hash IS NOT NULL LIMIT 1"
    ).fetchone()
    return row is not None


def list_reviewers(store: Store) -> list[str]:
    return [r[0] for r in store.conn.execute("SELECT name FROM reviewers ORDER BY name")]


def authenticate(store: Store, name: str, password: str | None) -> str:
    """The reviewer's canonical name if the sign-in is valid; raises ReviewerError otherwise."""
    name = check_name(name)
    if not has_credentials(store):
        return name
    row = store.conn.execute(
        "SELECT password_hash FROM reviewers WHERE name = ?", (name,)
    ).fetchone()
    if row is None or not verify_password(password or "", row[0]):
        raise ReviewerError("unknown reviewer or wrong password")
    return name


@dataclass(frozen=True)
class Session:
    token: str
    reviewer: str
    csrf: str


class Sessions:
    """In-memory login sessions (a restart signs everyone out; decisions are in the store)."""

    def __init__(self) -> None:
        self._by_token: dict[str, Session] = {}
        self._lock = threading.Lock()

    def create(self, reviewer: str) -> Session:
        session = Session(secrets.token_urlsafe(32), reviewer, secrets.token_urlsafe(32))
        with self._lock:
            self._by_token[session.token] = session
        return session

    def get(self, token: str | None) -> Session | None:
        if not token:
            return None
        with self._lock:
            return self._by_token.get(token)

    def drop(self, token: str | None) -> None:
        with self._lock:
            self._by_token.pop(token or "", None)

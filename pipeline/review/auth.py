"""Reviewers, their credentials and login sessions.

Credentials are scrypt hashes in the ``reviewers`` table. Without any credential the server
only runs on a loopback address and a reviewer signs in with a name alone; once a credential
exists, every sign-in needs the password. Sessions are rows in the store
(``pipeline.store.sessions``); failed sign-ins are throttled (``pipeline.review.ratelimit``).
Changing a reviewer's password signs that reviewer out everywhere.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import secrets
from datetime import UTC, datetime

from pipeline.errors import MsiEvidenceError
from pipeline.review.ratelimit import LoginLimiter
from pipeline.store import Store
from pipeline.store import reviewers as reviewer_store
from pipeline.store.sessions import Session, Sessions

NAME_PATTERN = re.compile(r"^[\w.@\- ]{1,64}$")
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


class ReviewerError(MsiEvidenceError):
    """A reviewer name or credential is unusable."""


class LoginThrottled(MsiEvidenceError):
    """Too many failed sign-ins for a name or from an address; ``retry_after_s`` says when."""

    def __init__(self, retry_after_s: float, now: float):
        self.retry_after_s = max(1, math.ceil(retry_after_s))
        minutes = math.ceil(self.retry_after_s / 60)
        wait = (
            f"{self.retry_after_s} seconds"
            if self.retry_after_s < 60
            else ("1 minute" if minutes == 1 else f"{minutes} minutes")
        )
        at = datetime.fromtimestamp(now + self.retry_after_s, UTC)
        super().__init__(
            "Too many failed sign-ins for this reviewer name or from this address, so sign-in "
            f"is paused. Try again in {wait} (after {at:%H:%M:%S} UTC)."
        )


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
    reviewer_store.save_credential(store, name, hash_password(password))


has_credentials = reviewer_store.has_credentials
list_reviewers = reviewer_store.reviewer_names


def authenticate(store: Store, name: str, password: str | None) -> str:
    """The reviewer's canonical name if the sign-in is valid; raises ReviewerError otherwise."""
    name = check_name(name)
    if not has_credentials(store):
        return name
    known, saved = reviewer_store.password_hash(store, name)
    # an unknown name costs the same scrypt as a known one, so timing does not reveal names
    stored = saved if known and saved else _dummy_hash()
    if not verify_password(password or "", stored) or not known or not saved:
        raise ReviewerError("unknown reviewer or wrong password")
    return name


_DUMMY: list[str] = []


def _dummy_hash() -> str:
    if not _DUMMY:
        _DUMMY.append(hash_password(secrets.token_urlsafe(16)))
    return _DUMMY[0]


def sign_in(
    store: Store,
    sessions: Sessions,
    limiter: LoginLimiter,
    name: str,
    password: str | None,
    address: str | None,
) -> Session:
    """Check the throttle, then the credentials, then open a session.

    Raises LoginThrottled (without looking at the password) while the name or the address is
    paused, and ReviewerError for a failed sign-in, which counts against both.
    """
    wait = limiter.retry_after(name, address)
    if wait is not None:
        raise LoginThrottled(wait, limiter.clock())
    try:
        reviewer = authenticate(store, name, password)
    except ReviewerError:
        limiter.failed(name, address)
        raise
    limiter.succeeded(reviewer)
    return sessions.create(reviewer)


__all__ = [
    "LoginThrottled",
    "ReviewerError",
    "Session",
    "Sessions",
    "authenticate",
    "check_name",
    "has_credentials",
    "list_reviewers",
    "set_credential",
    "sign_in",
]

"""Settings of the review server."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from pipeline.errors import MsiEvidenceError

DEFAULT_KEYS = {"accept": "a", "reject": "x", "skip": " ", "undo": "u"}
ACTIONS = tuple(DEFAULT_KEYS)
# Fixed keys: n/c/m/p open a field, s similar passages, digits pick an offered choice.
RESERVED_KEYS = "ncmps123456789"
DEFAULT_SESSION_IDLE_S = 2 * 3600  # signed out after two hours without a request
DEFAULT_SESSION_LIFETIME_S = 12 * 3600  # and twelve hours after signing in at the latest


class ReviewConfigError(MsiEvidenceError):
    """The review server was started with settings that are unsafe or inconsistent."""


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def parse_keys(spec: str | None) -> dict[str, str]:
    """``"accept=a,reject=x,skip=space,undo=u"`` -> key map (missing actions keep defaults)."""
    keys = dict(DEFAULT_KEYS)
    if not spec:
        return keys
    for item in spec.split(","):
        action, sep, key = item.partition("=")
        action, key = action.strip(), key.strip()
        if not sep or action not in ACTIONS or not key:
            raise ReviewConfigError(
                f"bad --keys entry {item!r}: use ACTION=KEY with ACTION in {', '.join(ACTIONS)}, "
                "e.g. --keys accept=y,reject=n,skip=space,undo=z"
            )
        key = " " if key.lower() == "space" else key
        if len(key) != 1:
            raise ReviewConfigError(f"bad --keys entry {item!r}: a key is one character or 'space'")
        keys[action] = key
    taken = [k for k in keys.values() if k in RESERVED_KEYS]
    if taken:
        raise ReviewConfigError(f"--keys: {', '.join(map(repr, taken))} already opens a field, "
                                f"similar passages or an offered choice ({RESERVED_KEYS})")
    if len(set(keys.values())) != len(keys):
        raise ReviewConfigError(f"--keys gives two actions the same key: {keys}")
    return keys


@dataclass(frozen=True)
class ReviewConfig:
    db: str
    host: str = "127.0.0.1"
    port: int = 8765
    framework: str | None = None  # framework YAML (default: the packaged one)
    registry: str | None = None  # MSI registry YAML (default: the packaged one)
    keys: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_KEYS))
    allowed_hosts: tuple[str, ...] = ()  # extra Host names (e.g. behind a reverse proxy)
    # The run's embedding cache, read for "similar passages" (default: DB.embeddings.sqlite).
    embeddings: str | None = None
    # Sessions (kept in the store): end after this long without a request, and this long
    # after sign-in at the latest.
    session_idle_s: float = DEFAULT_SESSION_IDLE_S
    session_lifetime_s: float = DEFAULT_SESSION_LIFETIME_S
    # Failed sign-ins: this many within login_window_s for one name, or from one address,
    # and further attempts are refused (HTTP 429) until the oldest failure leaves the window.
    login_max_failures_per_name: int = 5
    login_max_failures_per_address: int = 20
    login_window_s: float = 15 * 60

    def __post_init__(self) -> None:
        if self.session_idle_s <= 0 or self.session_lifetime_s <= 0:
            raise ReviewConfigError(
                "session timeouts must be positive, e.g. --session-idle-minutes 120 "
                "--session-max-hours 12"
            )
        if (
            self.login_max_failures_per_name < 1
            or self.login_max_failures_per_address < 1
            or self.login_window_s <= 0
        ):
            raise ReviewConfigError("sign-in limits and their window must be positive")

    def host_names(self) -> set[str]:
        """Host names (without port) a request's ``Host`` header may carry."""
        names = {self.host.lower(), *(h.lower() for h in self.allowed_hosts)}
        if is_loopback(self.host) or self.host in ("0.0.0.0", "::"):
            names |= {"127.0.0.1", "localhost", "[::1]"}
        if self.host in ("0.0.0.0", "::"):
            import socket

            names |= {socket.gethostname().lower(), socket.getfqdn().lower()}
        names.discard("0.0.0.0")
        names.discard("::")
        return names

"""Settings of the review server."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from pipeline.errors import MsiEvidenceError

DEFAULT_KEYS = {"accept": "a", "reject": "x", "skip": " ", "undo": "u"}
ACTIONS = tuple(DEFAULT_KEYS)


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

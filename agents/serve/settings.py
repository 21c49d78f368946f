"""Server settings and the safe-by-default checks: loopback bind, bearer token, limits."""

from __future__ import annotations

import ipaddress
import secrets
from dataclasses import dataclass

from interlace.protocols.errors import UsageError

LOOPBACK_NAMES = ("localhost",)
MIN_TOKEN_CHARS = 16
"""Shorter bearer tokens are refused: they can be guessed."""


@dataclass(frozen=True)
class ServeSettings:
    """How the servers listen and what they accept.

    ``bind``: address to listen on (loopback by default). ``token``: bearer token every
    request must carry (required for any non-loopback ``bind``; at least 16 characters).
    ``max_body_bytes``:
    larger request bodies get HTTP 413. ``timeout_s``: wall-clock limit of one request's
    agent run; past it the client gets a protocol error, not a dropped connection.
    """

    bind: str = "127.0.0.1"
    port: int = 8765
    token: str | None = None
    max_body_bytes: int = 1_000_000
    timeout_s: float = 300.0

    def __post_init__(self) -> None:
        if self.token is not None and not self.token.strip():
            raise UsageError("the bearer token is empty; pass a non-empty --token or none at all")
        if self.token is not None and len(self.token) < MIN_TOKEN_CHARS:
            raise UsageError(
                f"the bearer token has {len(self.token)} characters; use at least "
                f"{MIN_TOKEN_CHARS} (a random one: python -c 'import secrets; "
                "print(secrets.token_urlsafe(32))')"
            )
        if not is_loopback(self.bind) and self.token is None:
            raise UsageError(
                f"refusing to serve on {self.bind!r} without a bearer token: any address other "
                "than loopback is reachable from other machines; pass --token SECRET (or set "
                "INTERLACE_TOKEN), or bind 127.0.0.1"
            )
        if self.max_body_bytes <= 0 or self.timeout_s <= 0:
            raise UsageError("max_body_bytes and timeout_s must be positive")


def is_loopback(address: str) -> bool:
    """Whether ``address`` only accepts connections from this machine."""
    if address.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(address.strip("[]")).is_loopback
    except ValueError:
        return False


def token_matches(header: str | None, token: str) -> bool:
    """Whether an ``Authorization`` header carries ``Bearer <token>`` (constant time)."""
    if not header:
        return False
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer":
        return False
    return secrets.compare_digest(given.strip().encode(), token.encode())

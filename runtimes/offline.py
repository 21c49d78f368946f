"""Offline mode: nothing leaves the machine.

:func:`enforce_offline` sets the switches that keep Hugging Face, transformers, Chroma and
litellm from reaching the network. With ``strict=True`` it also guards every socket of
the process: a connection, a datagram or a host-name lookup for anything but loopback,
Unix sockets and the hosts explicitly allowed raises :class:`OfflineViolation`, naming the
host and how to allow it.

The guard is a Python audit hook, so it sees every call into Python's socket module
however it was imported (``socket.getaddrinfo``, ``gethostbyname``, ``gethostbyaddr``,
``getnameinfo``, ``connect``, ``sendto``, ``sendmsg``), plus a check that runs before
``connect`` / ``sendto`` resolve a host name, so that no DNS query is ever sent for a name
that is not allowed. Sockets that C libraries open on their own (gRPC, libpq, Ray) bypass
Python: check the endpoints you hand them with :func:`check_endpoint`.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import sys
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

from interlace.protocols.errors import OfflineViolation

__all__ = [
    "OFFLINE_ENVIRONMENT",
    "Allowlist",
    "OfflineViolation",
    "check_endpoint",
    "endpoint_address",
    "endpoint_refusal",
    "enforce_offline",
    "is_local_host",
    "offline_enforced",
    "parse_allowed",
    "release_offline",
]

OFFLINE_ENVIRONMENT = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "ANONYMIZED_TELEMETRY": "False",
    "LITELLM_LOCAL_MODEL_COST_MAP": "True",
    "DO_NOT_TRACK": "1",
}
_LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})
_INET = (socket.AF_INET, socket.AF_INET6)
_PATCHED = ("connect", "connect_ex", "sendto", "sendmsg")
_DEFAULT_PORTS = {"http": 80, "https": 443}


class Allowlist:
    """What ``offline: strict`` lets through besides loopback: hosts, each on any port or
    on listed ports, and the addresses that allowed names resolved to."""

    def __init__(self, entries: Iterable[str] = ()) -> None:
        self._ports: dict[str, set[int | None]] = {}
        self.add(entries)

    def add(self, entries: Iterable[str]) -> None:
        """Allow more ``HOST`` / ``HOST:PORT`` entries (see :func:`parse_allowed`)."""
        for entry in entries:
            host, port = parse_allowed(entry)
            self._ports.setdefault(host, set()).add(port)

    def learn(self, name: str, addresses: Iterable[str]) -> None:
        """``name`` resolved to ``addresses``: they are allowed on the name's ports."""
        ports = self._ports.get(_bare(name))
        if ports:
            for address in addresses:
                self._ports.setdefault(_bare(address), set()).update(ports)

    def permits(self, host: str, port: int | None) -> bool:
        """Whether ``host`` (and ``port``; ``None`` for a lookup) may be reached."""
        name = _bare(host)
        if not name or is_local_host(name):
            return True
        ports = self._ports.get(name, set())
        return None in ports or (port is None and bool(ports)) or port in ports

    def clear(self) -> None:
        """Forget every entry."""
        self._ports.clear()


_allowed = Allowlist()
"""What the process guard lets through."""
_originals: dict[str, Callable[..., Any]] = {}
_hook_installed = False


def parse_allowed(entry: str) -> tuple[str, int | None]:
    """``host``, ``host:port`` or ``[v6]:port`` as ``(host, port)``; ``ValueError`` if bad."""
    text = entry.strip()
    if any(c in text for c in "/@?# "):
        raise ValueError(f"{entry!r} is not a host; write HOST or HOST:PORT (no URL)")
    host, port = text, ""
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        if rest and not rest.startswith(":"):
            raise ValueError(f"{entry!r}: write an IPv6 address as [ADDRESS]:PORT")
        port = rest[1:]
    elif text.count(":") == 1:
        host, _, port = text.partition(":")
    if not host:
        raise ValueError(f"{entry!r} is not a host; write HOST or HOST:PORT")
    if port and not (port.isdigit() and 0 < int(port) < 65536):
        raise ValueError(f"{entry!r}: the port must be a number from 1 to 65535")
    return host.lower(), int(port) if port else None


def enforce_offline(strict: bool = True, *, allow_hosts: Iterable[str] = ()) -> None:
    """Switch the process to offline mode (idempotent; allowed hosts accumulate).

    Always sets the offline and no-telemetry switches of the libraries we use. With
    ``strict`` every connection and name lookup except loopback fails with
    :class:`OfflineViolation`; ``allow_hosts`` (``HOST`` or ``HOST:PORT``) names model
    servers or upstreams that stay reachable.
    """
    os.environ.update(OFFLINE_ENVIRONMENT)
    hub = sys.modules.get("huggingface_hub.constants")
    if hub is not None:  # already imported: its switch was read at import time
        setattr(hub, "HF_HUB_OFFLINE", True)  # noqa: B010
    if strict:
        _allowed.add(allow_hosts)
        _install_guard()


def offline_enforced() -> bool:
    """Whether the strict socket guard is on."""
    return bool(_originals)


def release_offline() -> None:
    """Switch the socket guard off (the environment switches stay). Meant for tests."""
    for name, original in _originals.items():
        if name == "getaddrinfo":
            socket.getaddrinfo = original
        else:
            setattr(socket.socket, name, original)
    _originals.clear()
    _allowed.clear()


def is_local_host(host: str) -> bool:
    """Whether ``host`` (a name or an IP literal) is this machine (loopback)."""
    name = _bare(host)
    if name in _LOCAL_NAMES or name.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    if mapped is not None:
        address = mapped
    return address.is_loopback or address.is_unspecified  # 0.0.0.0 and :: reach this machine


def check_endpoint(url: str, what: str = "a connection to") -> None:
    """Raise :class:`OfflineViolation` if the guard is on and ``url`` (or ``host:port``)
    is neither loopback nor allowed; for clients whose sockets Python does not see."""
    if offline_enforced():
        _check(*endpoint_address(url), what)


def endpoint_refusal(url: str, allow: Iterable[str]) -> str | None:
    """Why ``offline: strict`` with ``allow`` would refuse to reach ``url`` (a URL or
    ``host:port``), or ``None``: the config check that runs before anything connects."""
    host, port = endpoint_address(url)
    if Allowlist(allow).permits(host, port):
        return None
    return _refusal(_bare(host), port, "connections to", checked=True)


def endpoint_address(url: str) -> tuple[str, int | None]:
    """``(host, port)`` of a URL or ``host:port``; the port defaults by scheme."""
    parts = urlsplit(url if "//" in url else f"//{url}")
    return parts.hostname or "", parts.port or _DEFAULT_PORTS.get(parts.scheme)


def _bare(host: str) -> str:
    return host.strip("[]").split("%", 1)[0].lower()


def _check(host: object, port: object, what: str) -> None:
    if host is None or not _originals:
        return
    text = host.decode() if isinstance(host, bytes) else str(host)
    number = int(port) if isinstance(port, int | str) and str(port).isdigit() else None
    if not _allowed.permits(text, number):
        raise OfflineViolation(_refusal(_bare(text), number, what))


def _check_lookup(host: object, port: object) -> None:
    """A forward lookup: an IP literal sends no DNS query (and may be for a server's bind
    address), so only names are checked here; connections are checked on their own."""
    text = host.decode() if isinstance(host, bytes) else str(host or "")
    try:
        ipaddress.ip_address(_bare(text))
    except ValueError:
        _check(host, port, "a DNS lookup of")


def _refusal(host: str, port: int | None, what: str, *, checked: bool = False) -> str:
    shown = f"[{host}]" if ":" in host else host
    entry = f"{shown}:{port}" if port else shown
    verb = "refuses" if checked else "refused"
    sent = "" if checked else " (nothing was sent)"
    return (
        f"offline: strict {verb} {what} {entry}{sent}: only loopback is allowed. To allow "
        f"this host, list it in the config: offline: {{mode: strict, allow: ['{entry}']}} "
        "(or set offline: off)"
    )


def _check_address(sock: Any, address: Any, what: str) -> None:
    if getattr(sock, "family", None) in _INET and isinstance(address, tuple) and address:
        _check(address[0], address[1] if len(address) > 1 else None, what)


def _audit(event: str, args: tuple[Any, ...]) -> None:
    """The audit hook: every lookup and connection made through Python's socket module."""
    if not _originals or not event.startswith("socket."):
        return
    if event in ("socket.getaddrinfo", "socket.gethostbyname"):
        _check_lookup(args[0], args[1] if len(args) > 1 else None)
    elif event == "socket.gethostbyaddr":  # a reverse (PTR) query for that address
        _check(args[0], None, "a reverse DNS lookup of")
    elif event == "socket.getnameinfo":
        _check(args[0][0], args[0][1], "a reverse DNS lookup of")
    elif event in ("socket.connect", "socket.sendto", "socket.sendmsg"):
        _check_address(args[0], args[1], "a connection to")


def _install_guard() -> None:
    global _hook_installed
    if _originals:
        return
    if not _hook_installed:  # an audit hook cannot be removed: it idles when released
        sys.addaudithook(_audit)
        _hook_installed = True
    for name in _PATCHED:  # before C resolves a name given to connect(): no DNS query
        original = getattr(socket.socket, name)
        _originals[name] = original
        setattr(socket.socket, name, _checked_first(original))
    _originals["getaddrinfo"] = original_lookup = socket.getaddrinfo

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        _check_lookup(host, port)
        found = original_lookup(host, port, *args, **kwargs)
        _learn(host, found)
        return found

    socket.getaddrinfo = getaddrinfo


def _checked_first(original: Callable[..., Any]) -> Callable[..., Any]:
    def method(self: socket.socket, *args: Any) -> Any:
        if args:  # the address comes last (when sendto / sendmsg are given one)
            _check_address(self, args[-1], "a connection to")
        return original(self, *args)

    return method


def _learn(host: Any, found: list[Any]) -> None:
    """Remember what an allowed name resolved to, with the name's ports."""
    name = host.decode() if isinstance(host, bytes) else str(host or "")
    _allowed.learn(name, [str(address[0]) for *_, address in found])

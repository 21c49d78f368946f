"""Offline mode: nothing leaves the machine.

:func:`enforce_offline` sets the switches that keep Hugging Face, transformers, Chroma and
litellm from reaching the network. With ``strict=True`` it also guards the process's
sockets: a connection (or name lookup) for anything but loopback, Unix sockets or the
hosts explicitly allowed raises :class:`OfflineViolation` with a clear message.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import sys
from collections.abc import Callable, Iterable
from typing import Any

from interlace.protocols.errors import RunFailure

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
_originals: dict[str, Callable[..., Any]] = {}
_allowed: set[str] = set()


class OfflineViolation(RunFailure, ConnectionRefusedError):
    """A network connection that ``offline: strict`` forbids.

    It is also a ``ConnectionRefusedError``, so libraries that fall back gracefully when
    the network is down do so here too.
    """


def enforce_offline(strict: bool = True, *, allow_hosts: Iterable[str] = ()) -> None:
    """Switch the process to offline mode (idempotent).

    Always sets the offline and no-telemetry switches of the libraries we use. With
    ``strict`` every non-loopback connection fails with :class:`OfflineViolation`;
    ``allow_hosts`` names extra hosts (for example a model server on the LAN) that stay
    reachable.
    """
    os.environ.update(OFFLINE_ENVIRONMENT)
    hub = sys.modules.get("huggingface_hub.constants")
    if hub is not None:  # already imported: its switch was read at import time
        setattr(hub, "HF_HUB_OFFLINE", True)  # noqa: B010
    if strict:
        _allowed.update(host.lower() for host in allow_hosts)
        _install_guard()


def offline_enforced() -> bool:
    """Whether the strict socket guard is installed."""
    return bool(_originals)


def release_offline() -> None:
    """Remove the socket guard (the environment switches stay). Meant for tests."""
    for name, original in _originals.items():
        if name == "getaddrinfo":
            socket.getaddrinfo = original
        else:
            setattr(socket.socket, name, original)
    _originals.clear()
    _allowed.clear()


def is_local_host(host: str) -> bool:
    """Whether ``host`` (a name or an IP literal) is this machine or explicitly allowed."""
    name = host.strip("[]").split("%", 1)[0].lower()
    if name in _LOCAL_NAMES or name.endswith(".localhost") or name in _allowed:
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return address.is_loopback or bool(mapped is not None and mapped.is_loopback)


def _refuse(host: object, port: object) -> OfflineViolation:
    return OfflineViolation(
        f"offline: strict refused a network connection to {host}:{port}; only loopback "
        "(127.0.0.1, ::1, localhost) is allowed. Use local models and stores, or set "
        "offline: off (or allow the host) to reach it"
    )


def _check_address(address: Any) -> None:
    is_host = isinstance(address, tuple) and address and isinstance(address[0], str)
    if is_host and not is_local_host(address[0]):
        raise _refuse(address[0], address[1] if len(address) > 1 else "?")


def _install_guard() -> None:
    if _originals:
        return
    for name in ("connect", "connect_ex"):
        original = getattr(socket.socket, name)
        _originals[name] = original
        setattr(socket.socket, name, _guarded_connect(original))
    original_sendto = socket.socket.sendto
    _originals["sendto"] = original_sendto

    def sendto(self: socket.socket, data: Any, *args: Any) -> int:
        _check_address(args[-1] if args else None)
        return int(original_sendto(self, data, *args))

    socket.socket.sendto = sendto  # type: ignore[assignment,method-assign]
    original_lookup = socket.getaddrinfo
    _originals["getaddrinfo"] = original_lookup

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host is not None:
            text = host.decode() if isinstance(host, bytes) else str(host)
            if not is_local_host(text):
                raise _refuse(text, port)
        return original_lookup(host, port, *args, **kwargs)

    socket.getaddrinfo = getaddrinfo


def _guarded_connect(original: Callable[..., Any]) -> Callable[..., Any]:
    def connect(self: socket.socket, address: Any) -> Any:
        if self.family in (socket.AF_INET, socket.AF_INET6):
            _check_address(address)
        return original(self, address)

    return connect

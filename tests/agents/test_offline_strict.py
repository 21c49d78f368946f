"""``offline: strict`` is strict: inside a network namespace made for the test, listeners
on non-loopback addresses (a model server and the only DNS server) see nothing while
interlace tries every way out; once allowed, the same listeners do see traffic."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

CHILD = Path(__file__).with_name("strict_offline_child.py")
SETUP = (
    "ip link set lo up && ip addr add 192.0.2.2/32 dev lo && ip addr add 192.0.2.53/32 dev lo"
    ' && mount --bind "$1" /etc/resolv.conf && shift && exec "$@"'
)
REFUSED = [
    "connect ip",
    "connect name",
    "getaddrinfo",
    "_socket.getaddrinfo",
    "gethostbyname",
    "gethostbyaddr",
    "udp sendto",
    "asyncio ip",
    "asyncio name",
    "openai ip",
    "openai name",
    "mcp",
    "a2a",
    "chroma http",
    "otlp",
    "other port",
]


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    for tool in ("unshare", "ip", "mount"):
        assert shutil.which(tool), f"this test needs {tool} (util-linux, iproute2)"
    folder = tmp_path_factory.mktemp("strict")
    resolv = folder / "resolv.conf"
    resolv.write_text("nameserver 192.0.2.53\noptions timeout:1 attempts:1\n")
    config = folder / "app.yaml"
    config.write_text("offline: strict\nmodels: {default: 'scripted:hi'}\nagents:\n  a: {}\n")
    command = [
        *("unshare", "-rnm", "sh", "-c", SETUP, "setup", str(resolv)),
        *(sys.executable, str(CHILD), "probe", str(folder / "log"), str(config)),
    ]
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, dict[str, Any]] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


@pytest.mark.parametrize("label", REFUSED)
def test_nothing_reaches_a_non_loopback_listener(
    outcomes: dict[str, dict[str, Any]], label: str
) -> None:
    seen = outcomes[label]
    assert (seen["tcp"], seen["dns"]) == (0, 0), seen
    assert "offline: strict refused" in seen["said"], seen
    assert "(nothing was sent)" in seen["said"], seen
    assert "offline: {mode: strict, allow: ['" in seen["said"], seen  # how to allow it
    assert "All connection attempts failed" not in seen["said"], seen


def test_refusals_name_the_host(outcomes: dict[str, dict[str, Any]]) -> None:
    assert "a connection to 192.0.2.2:8081" in outcomes["openai ip"]["said"]
    assert "stop_reason=error" in outcomes["openai ip"]["said"]
    assert "a DNS lookup of gpu-box.test:8081" in outcomes["openai name"]["said"]
    assert "a reverse DNS lookup of 192.0.2.2" in outcomes["gethostbyaddr"]["said"]
    assert "MCP server at http://192.0.2.2:8081/mcp" in outcomes["mcp"]["said"]
    assert "sending traces to 192.0.2.2:4317" in outcomes["otlp"]["said"]
    assert "a connection to 192.0.2.2:8082" in outcomes["other port"]["said"]


def test_the_config_check_refuses_before_anything_runs(
    outcomes: dict[str, dict[str, Any]],
) -> None:
    seen = outcomes["config check"]
    assert (seen["tcp"], seen["dns"]) == (0, 0), seen
    assert seen["said"].startswith("ConfigValidationError"), seen
    assert "offline: strict refuses connections to 192.0.2.2:8081" in seen["said"], seen
    assert "allow: ['192.0.2.2:8081']" in seen["said"], seen


def test_allowed_hosts_are_reached(outcomes: dict[str, dict[str, Any]]) -> None:
    """The listeners work: what the allowlist names does get through."""
    assert outcomes["allowed ip"]["tcp"] == 1, outcomes["allowed ip"]
    assert outcomes["allowed name"]["dns"] >= 1, outcomes["allowed name"]

"""The official MCP conformance suites against our Streamable HTTP server.

Two runs, each against one server for the module serving the scenario fixture
(conformance_fixture.py): the newest suite (0.2.0-alpha) with ``--spec-version 2026-07-28
--suite all`` (every scenario of the stateless protocol, pending ones included), and the
0.1.16 suite (the handshake protocol of 2025-11-25). Every expected failure is in a
baseline file with its reason; the suite itself fails on unexpected failures AND on stale
entries (a baselined scenario that now passes).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import anyio
import pytest

from interlace.agents.serve.app import build_app, running_server
from interlace.agents.serve.local import LocalHost
from interlace.agents.serve.settings import ServeSettings
from tests.node_tools import BIN, node_tool
from tests.processes import free_port

from .conformance_fixture import ConformanceToolset
from .conftest import echo_agent

HERE = Path(__file__).parent
MODULES = BIN.parent  # tests/node/node_modules
SUITES = {  # version: (package folder, baseline, options, number of scenarios)
    "0.2.0-alpha.12": (
        "conformance-2026",
        HERE / "mcp_conformance_baseline_2026.yml",
        ["--spec-version", "2026-07-28", "--suite", "all"],
        40,
    ),
    "0.1.16": ("@modelcontextprotocol/conformance", HERE / "mcp_conformance_baseline.yml", [], 30),
}


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    """One server for both suites (in a thread's event loop)."""
    from anyio.from_thread import start_blocking_portal

    host = LocalHost([echo_agent()], {"conformance": ConformanceToolset()})
    settings = ServeSettings(port=free_port(), timeout_s=30)
    server = running_server(build_app(host, settings), port=settings.port)
    with start_blocking_portal() as portal, portal.wrap_async_context_manager(server) as base:
        yield base


@pytest.mark.parametrize("baseline", [item[1] for item in SUITES.values()])
def test_every_baseline_entry_has_a_reason(baseline: Path) -> None:
    entries = [line for line in baseline.read_text().splitlines() if line.lstrip().startswith("- ")]
    for line in entries:
        assert re.match(r"^\s*- [a-z0-9-]+\s+# \S.{10,}", line), f"no reason given: {line!r}"


@pytest.mark.slow
@pytest.mark.parametrize("version", list(SUITES))
async def test_mcp_conformance_suite(url: str, version: str, tmp_path: Path) -> None:
    node, env = node_tool("node")
    package, baseline, options, scenarios = SUITES[version]
    suite = MODULES / package / "dist" / "index.js"
    command = [node, str(suite), "server", "--url", f"{url}/mcp", *options]
    command += ["--expected-failures", str(baseline), "-o", str(tmp_path)]
    with anyio.fail_after(400):
        done = await anyio.run_process(command, check=False, env=env)
    output = done.stdout.decode() + done.stderr.decode()
    assert done.returncode == 0, output[-6000:]
    failed = set(re.findall(r"^✗ ([a-z0-9-]+):", output, re.MULTILINE))
    assert failed == set(re.findall(r"^\s*- ([a-z0-9-]+)", baseline.read_text(), re.MULTILINE))
    passed = re.findall(r"^✓ ([a-z0-9-]+):", output, re.MULTILINE)
    assert len(passed) + len(failed) == scenarios, output[-3000:]  # every scenario ran

"""The official MCP conformance suite against our Streamable HTTP server.

Runs ``@modelcontextprotocol/conformance`` (installed under tests/node, see
tests/node_tools.py) with the scenario
fixture tools served by a LocalHost; every expected failure is in the baseline file with
its reason, and the suite itself fails on unexpected failures AND on stale entries.
"""

from __future__ import annotations

import re
from pathlib import Path

import anyio
import pytest

from interlace.agents.serve.app import build_app, running_server
from interlace.agents.serve.local import LocalHost
from interlace.agents.serve.settings import ServeSettings
from tests.node_tools import node_tool

from .conformance_fixture import ConformanceToolset
from .conftest import echo_agent, free_port

BASELINE = Path(__file__).parent / "mcp_conformance_baseline.yml"


def test_every_baseline_entry_has_a_reason() -> None:
    entries = [line for line in BASELINE.read_text().splitlines() if line.lstrip().startswith("- ")]
    assert entries, "the baseline lists no scenarios"
    for line in entries:
        assert re.match(r"^\s*- [a-z0-9-]+\s+# \S.{10,}", line), f"no reason given: {line!r}"


@pytest.mark.slow
async def test_mcp_conformance_suite(tmp_path: Path) -> None:
    conformance, env = node_tool("conformance")
    host = LocalHost([echo_agent()], {"conformance": ConformanceToolset()})
    settings = ServeSettings(port=free_port(), timeout_s=30)
    async with running_server(build_app(host, settings), port=settings.port) as url:
        command = [conformance, "server", "--url", f"{url}/mcp"]
        command += ["--expected-failures", str(BASELINE), "-o", str(tmp_path)]
        with anyio.fail_after(400):
            done = await anyio.run_process(command, check=False, env=env)
    output = done.stdout.decode() + done.stderr.decode()
    assert done.returncode == 0, output[-6000:]
    assert "Baseline check passed" in output
    passed = re.search(r"Total: (\d+) passed", output)
    assert passed is not None, output[-3000:]
    assert int(passed.group(1)) >= 10, output[-3000:]

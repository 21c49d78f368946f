"""The node tools the suite runs: node 22, the MCP conformance suite and the MCP Inspector.

``make node-tools`` (part of ``make test``) installs them under ``tests/node`` at the
versions its lock file pins, so that nothing is fetched while the tests run.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

BIN = Path(__file__).parent / "node" / "node_modules" / ".bin"


def node_tool(name: str) -> tuple[str, dict[str, str]]:
    """The installed tool ``name`` and an environment whose ``node`` is the pinned node 22."""
    path = BIN / name
    if not path.exists():
        pytest.fail(f"{path} is missing: run `make node-tools` (`make test` does it)")
    return str(path), {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}

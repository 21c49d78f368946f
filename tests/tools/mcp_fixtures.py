"""Shared helpers for the MCP tests: start the SDK test server over stdio or HTTP."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from interlace.tools.mcp import MCPToolset
from tests.processes import free_port, stop_process

SERVER = Path(__file__).with_name("mcp_test_server.py")
TOKEN_HEADER = {"Authorization": "Bearer s3cret"}


def stdio_toolset(**settings: object) -> MCPToolset:
    """A toolset that starts the test server as a subprocess."""
    return MCPToolset.stdio(sys.executable, [str(SERVER), "stdio"], stderr="discard", **settings)


@contextmanager
def http_server(port: int | None = None) -> Iterator[str]:
    """Run the test server over Streamable HTTP on 127.0.0.1; yields its MCP URL."""
    port = port or free_port()
    process = subprocess.Popen(
        [sys.executable, str(SERVER), "http", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"test MCP server exited with {process.returncode}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        stop_process(process, timeout=10)


PNG_PREFIX = "data:image/png;base64,iVBORw0KGgo"

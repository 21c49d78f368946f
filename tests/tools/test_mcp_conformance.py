"""The MCP toolset runs the toolset conformance suite, over stdio and Streamable HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from interlace.testing import EchoFailConformance
from interlace.tools import Toolset
from interlace.tools.mcp import MCPToolset

from .mcp_fixtures import TOKEN_HEADER, http_server, stdio_toolset

pytestmark = pytest.mark.slow


TEST_SERVER_TOOLS = frozenset(
    {"add", "echo", "pixel", "readme", "fail", "crash", "snooze", "pid", "grow"}
)


class TestMCPStdio(EchoFailConformance):
    tool_names = TEST_SERVER_TOOLS
    approval_required = frozenset({"fail", "crash"})

    def make_toolset(self) -> Toolset:
        return stdio_toolset(requires_approval=["fail", "cr*"])


@pytest.fixture(scope="module")
def http_url() -> Iterator[str]:
    with http_server() as url:
        yield url


class TestMCPHttp(EchoFailConformance):
    tool_names = TEST_SERVER_TOOLS

    @pytest.fixture(autouse=True)
    def _url(self, http_url: str) -> None:
        self.url = http_url

    def make_toolset(self) -> Toolset:
        return MCPToolset.http(self.url, headers=TOKEN_HEADER)

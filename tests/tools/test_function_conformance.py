"""FunctionToolset runs the toolset conformance suite."""

from __future__ import annotations

from interlace.tools import FunctionToolset, Toolset, tool
from tests.conformance.toolset_suite import ToolsetConformance


@tool
def echo(text: str) -> str:
    """Answer with the text."""
    return f"echo: {text}"


@tool
async def fail(reason: str) -> str:
    """Always fail."""
    raise RuntimeError(f"failed: {reason}")


class TestFunctionToolset(ToolsetConformance):
    def make_toolset(self) -> Toolset:
        return FunctionToolset([echo, fail])

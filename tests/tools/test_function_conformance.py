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


@tool(requires_approval=True)
def wipe() -> str:
    """Wipe everything (needs approval)."""
    return "wiped"


class TestFunctionToolset(ToolsetConformance):
    tool_names = frozenset({"echo", "fail", "wipe"})
    approval_required = frozenset({"wipe"})

    def make_toolset(self) -> Toolset:
        return FunctionToolset([echo, fail, wipe])

"""FunctionToolset runs the toolset conformance suite."""

from __future__ import annotations

from interlace.testing import EchoFailConformance
from interlace.tools import FunctionToolset, Toolset, tool


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


class TestFunctionToolset(EchoFailConformance):
    tool_names = frozenset({"echo", "fail", "wipe"})
    approval_required = frozenset({"wipe"})

    def make_toolset(self) -> Toolset:
        return FunctionToolset([echo, fail, wipe])

"""Conformance test classes for a target named on the command line: a backend reference
or factory, a toolset kind (with options) or factory."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import anyio

from interlace.plugins.registry import load_target
from interlace.protocols import ToolCall
from interlace.runtimes import Backend
from interlace.tools import Toolset

from .backend_suite import BackendConformance, suite_for
from .toolset_suite import EchoFailConformance, ToolsetConformance


def backend_case(target: str) -> type[BackendConformance]:
    """The suite for the backend a reference (``reverse:demo``) or factory builds, chosen
    from the capabilities the backend declares."""
    from interlace.runtimes import BACKENDS, resolve_backend

    def make() -> Backend:
        if ":" in target and target.partition(":")[0] in BACKENDS:
            return resolve_backend(target)
        backend: Backend = load_target(target)()
        return backend

    declared = make()  # what it declares before its first request must hold after it
    suite = suite_for(declared)

    class TestBackend(suite):  # type: ignore[valid-type,misc]
        expected_name = declared.name
        expected_capabilities = declared.capabilities

        def make_backend(self, purpose: str) -> Backend:
            return make()

    TestBackend.__name__ = TestBackend.__qualname__ = f"Test{suite.__name__}"
    return TestBackend


def toolset_case(
    target: str, options: dict[str, Any], sample: tuple[str, dict[str, Any]] | None, expect: str
) -> type[ToolsetConformance]:
    """The suite for the toolset a kind (with ``options``) or factory builds; without a
    ``sample`` call it must be a test toolset with ``echo`` and ``fail`` tools."""
    from interlace.tools.registry import TOOLSET_KINDS, build_toolset

    def make() -> Toolset:
        if target in TOOLSET_KINDS:
            return build_toolset(target, options)
        toolset: Toolset = load_target(target)()
        return toolset

    if sample is None:

        class TestEchoFail(EchoFailConformance):
            def make_toolset(self) -> Toolset:
                return make()

        return TestEchoFail
    name, arguments = sample
    names, approval = anyio.run(_declared, make)

    class TestToolset(ToolsetConformance):
        expected = expect
        tool_names = names
        approval_required = approval

        def make_toolset(self) -> Toolset:
            return make()

        def sample_call(self, call_id: str = "c-1", marker: str = "ping") -> ToolCall:
            return ToolCall(id=call_id, name=name, arguments=arguments)

    return TestToolset


async def _declared(make: Callable[[], Toolset]) -> tuple[frozenset[str], frozenset[str]]:
    """The tools a fresh toolset lists, and those of them that need approval."""
    toolset = make()
    try:
        names = frozenset(spec.name for spec in await toolset.list_tools())
        return names, frozenset(name for name in names if toolset.requires_approval(name))
    finally:
        await toolset.aclose()


def parse_call(tool: str, arguments: str) -> tuple[str, dict[str, Any]]:
    """``--call TOOL JSON`` as a tool name and its arguments."""
    parsed = json.loads(arguments)
    if not isinstance(parsed, dict):
        raise ValueError(f"the arguments of --call must be a JSON object, got {arguments!r}")
    return tool, parsed

"""The conformance suites every :class:`~interlace.tools.Toolset`, built-in or plugin, runs.

:class:`ToolsetConformance` holds for any toolset, a read-only one included: subclass it,
implement ``make_toolset`` and ``sample_call`` (a call that succeeds; ``expected`` is text
its result contains) and declare exactly which tools it offers (``tool_names``) and which
of them need human approval (``approval_required``). :class:`EchoFailConformance` adds
what a test toolset offering two tools must also show:

* ``echo`` taking a required string ``text`` and answering with a text that contains it;
* ``fail`` taking a required string ``reason`` and failing with a message that contains it;

failures and invalid arguments come back as error results. Or run
``python -m interlace.testing toolset FACTORY --call TOOL ARGS`` (see ``interlace.testing``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
import jsonschema
import pytest

from interlace.protocols import ToolCall, ToolResult, ToolSpec
from interlace.tools import Toolset, combine


class ToolsetConformance:
    """Behaviour every toolset shares; see the module docstring."""

    pytestmark = pytest.mark.anyio
    #: every tool the toolset lists, exactly
    tool_names: frozenset[str]
    #: the tools that need approval, exactly
    approval_required: frozenset[str] = frozenset()
    #: text the result of :meth:`sample_call` contains
    expected = "ping"

    def make_toolset(self) -> Toolset:
        raise NotImplementedError

    def sample_call(self, call_id: str = "c-1", marker: str = "ping") -> ToolCall:
        """A call that succeeds (``marker`` is a word to put in it where it can go)."""
        raise NotImplementedError

    def expected_in(self, marker: str) -> str:
        """Text the result of ``sample_call(marker=marker)`` contains (``expected`` unless
        the toolset echoes the marker)."""
        return self.expected

    @asynccontextmanager
    async def opened(self) -> AsyncIterator[Toolset]:
        toolset = self.make_toolset()
        try:
            yield toolset
        finally:
            await toolset.aclose()

    async def test_lists_specs_with_object_schemas(self) -> None:
        async with self.opened() as toolset:
            specs = list(await toolset.list_tools())
        names = [spec.name for spec in specs]
        assert self.sample_call().name in self.tool_names, "the sample call needs a listed tool"
        assert set(names) == self.tool_names
        assert len(names) == len(set(names)), f"duplicate tool names: {names}"
        for spec in specs:
            assert isinstance(spec, ToolSpec)
            assert spec.parameters.get("type") == "object"
            jsonschema.Draft202012Validator.check_schema(spec.parameters)

    async def test_listing_is_stable(self) -> None:
        async with self.opened() as toolset:
            first = [spec.name for spec in await toolset.list_tools()]
            second = [spec.name for spec in await toolset.list_tools()]
        assert first == second

    async def test_call_answers_with_the_call_id(self) -> None:
        call = self.sample_call()
        async with self.opened() as toolset:
            result = await toolset.call(call)
        assert isinstance(result, ToolResult)
        assert not result.is_error, result.text
        assert (result.tool_call_id, result.name) == ("c-1", call.name)
        assert self.expected_in("ping") in result.text

    async def test_unknown_tool_is_an_error_result(self) -> None:
        async with self.opened() as toolset:
            result = await toolset.call(ToolCall(id="c-3", name="no_such_tool", arguments={}))
        assert result.is_error
        assert result.tool_call_id == "c-3"
        assert "no_such_tool" in result.text

    async def test_concurrent_calls_keep_their_ids(self) -> None:
        results: dict[str, ToolResult] = {}
        async with self.opened() as toolset:

            async def one(index: int) -> None:
                call = self.sample_call(f"p-{index}", f"msg{index}")
                results[call.id] = await toolset.call(call)

            async with anyio.create_task_group() as group:
                for index in range(6):
                    group.start_soon(one, index)
        for index in range(6):
            result = results[f"p-{index}"]
            assert not result.is_error
            assert result.tool_call_id == f"p-{index}"
            assert self.expected_in(f"msg{index}") in result.text

    async def test_requires_approval_is_exact(self) -> None:
        async with self.opened() as toolset:
            answers = {
                spec.name: toolset.requires_approval(spec.name)
                for spec in await toolset.list_tools()
            }
            prefixed = toolset.prefixed("peer")
            renamed = {name for name in answers if prefixed.requires_approval(f"peer_{name}")}
        assert all(answer is True or answer is False for answer in answers.values()), answers
        assert {name for name, needed in answers.items() if needed} == self.approval_required
        assert renamed == self.approval_required, "prefixing lost the approval flags"

    async def test_prefixed_and_combined(self) -> None:
        sample = self.sample_call("c-6", "x1")
        async with self.opened() as toolset:
            others = [spec.name for spec in await toolset.list_tools() if spec.name != sample.name]
            prefixed = toolset.prefixed("peer")
            combined = combine(prefixed, toolset.filtered(include=[sample.name]))
            names = [spec.name for spec in await combined.list_tools()]
            assert f"peer_{sample.name}" in names
            assert sample.name in names
            assert not set(others) & set(names)
            renamed = sample.model_copy(update={"name": f"peer_{sample.name}"})
            result = await combined.call(renamed)
        assert not result.is_error
        assert self.expected_in("x1") in result.text
        assert result.name == f"peer_{sample.name}"

    async def test_aclose_twice_is_harmless(self) -> None:
        toolset = self.make_toolset()
        await toolset.list_tools()
        await toolset.aclose()
        await toolset.aclose()


class EchoFailConformance(ToolsetConformance):
    """A test toolset with ``echo`` and ``fail`` tools (see the module docstring): on top
    of the shared behaviour, failures and invalid arguments are error results."""

    tool_names: frozenset[str] = frozenset({"echo", "fail"})

    def sample_call(self, call_id: str = "c-1", marker: str = "ping") -> ToolCall:
        return ToolCall(id=call_id, name="echo", arguments={"text": marker})

    def expected_in(self, marker: str) -> str:
        return marker

    async def test_echo_requires_its_text(self) -> None:
        async with self.opened() as toolset:
            specs = list(await toolset.list_tools())
        assert {"echo", "fail"} <= self.tool_names, "the suite needs echo and fail"
        echo = next(spec for spec in specs if spec.name == "echo")
        assert "text" in echo.parameters["properties"]
        assert "text" in echo.parameters.get("required", [])

    async def test_failing_tool_is_an_error_result(self) -> None:
        async with self.opened() as toolset:
            result = await toolset.call(
                ToolCall(id="c-2", name="fail", arguments={"reason": "boom"})
            )
        assert result.is_error
        assert result.tool_call_id == "c-2"
        assert "boom" in result.text

    async def test_invalid_arguments_are_an_error_result(self) -> None:
        async with self.opened() as toolset:
            missing = await toolset.call(ToolCall(id="c-4", name="echo", arguments={}))
            wrong = await toolset.call(ToolCall(id="c-5", name="echo", arguments={"text": [1]}))
        assert missing.is_error
        assert wrong.is_error
        assert "text" in missing.text

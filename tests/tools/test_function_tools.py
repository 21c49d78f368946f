"""@tool, FunctionToolset, docstrings, composition and the registry."""

from __future__ import annotations

from typing import Annotated, Literal

import anyio
import pytest
from pydantic import BaseModel, Field, ValidationError

from interlace.protocols import ImagePart, ToolCall
from interlace.protocols.errors import ConfigError, UsageError
from interlace.tools import FunctionToolset, Toolset, combine, tool
from interlace.tools.docstrings import parse_docstring
from interlace.tools.registry import (
    build_toolset,
    register_toolset_kind,
    toolset_kinds,
)


class Point(BaseModel):
    x: int
    y: int = 0


@tool
def add(a: int, b: int = 2) -> int:
    """Add two numbers.

    Args:
        a: The first number.
        b (int): The second number,
            two by default.
    """
    return a + b


@tool(requires_approval=True, timeout_s=0.2)
async def nap(seconds: float) -> str:
    """Sleep a while."""
    await anyio.sleep(seconds)
    return "rested"


@tool
def where(point: Point, unit: Literal["m", "km"] = "m") -> Point:
    """Echo a point."""
    return point


def call(name: str, **arguments: object) -> ToolCall:
    return ToolCall(id="c1", name=name, arguments=dict(arguments))


def test_schema_and_descriptions() -> None:
    assert add.description == "Add two numbers."
    assert add.parameters == {
        "type": "object",
        "properties": {
            "a": {"type": "integer", "description": "The first number."},
            "b": {
                "type": "integer",
                "default": 2,
                "description": "The second number, two by default.",
            },
        },
        "required": ["a"],
        "additionalProperties": False,
    }
    assert where.parameters["$defs"]["Point"]["additionalProperties"] is False
    assert where.parameters["properties"]["unit"]["enum"] == ["m", "km"]
    assert add(1, 1) == 2  # the decorated function stays callable


def test_docstring_styles() -> None:
    numpy = parse_docstring(
        "Sum.\n\nParameters\n----------\na : int\n    first\nb : int\n    second\n"
    )
    sphinx = parse_docstring("Sum.\n\n:param a: first\n:param int b: second\n:returns: x\n")
    assert numpy.params == sphinx.params == {"a": "first", "b": "second"}
    assert numpy.summary == sphinx.summary == "Sum."

    @tool
    def explicit(a: Annotated[int, Field(description="from Field")]) -> int:
        """Doc.

        Args:
            a: from docstring
        """
        return a

    assert explicit.parameters["properties"]["a"]["description"] == "from Field"


async def test_run_results_and_errors() -> None:
    assert (await add.run(call("add", a=1))).text == "3"
    bad = await add.run(call("add", a="1", c=2))
    assert bad.is_error
    assert "a: Input should be a valid integer" in bad.text
    assert "c: Extra inputs" in bad.text
    slow = await nap.run(call("nap", seconds=2))
    assert slow.is_error
    assert "timed out after 0.2s" in slow.text
    point = await where.run(call("where", point={"x": 1}))
    assert point.structured == {"x": 1, "y": 0}

    @tool
    def boom() -> str:
        """Fail."""
        raise ValueError("no luck")

    failed = await boom.run(call("boom"))
    assert failed.is_error
    assert "ValueError: no luck" in failed.text

    @tool
    def picture() -> ImagePart:
        """An image."""
        return ImagePart(url="data:image/png;base64,AA==")

    assert isinstance((await picture.run(call("picture"))).content, tuple)


async def test_integral_floats_arrive_as_ints() -> None:
    """JSON Schema's "integer" takes 3.0; the function gets the int 3, 3.5 names the field."""
    seen: list[object] = []

    @tool
    def count(a: int) -> str:
        """Count."""
        seen.append(a)
        return "ok"

    assert not (await count.run(call("count", a=3.0))).is_error
    big = float(2**60)
    assert not (await count.run(call("count", a=big))).is_error
    assert seen == [3, 2**60]
    assert all(type(value) is int for value in seen)
    refused = await count.run(call("count", a=3.5))
    assert refused.is_error
    assert refused.text.startswith("invalid arguments for tool 'count': a: ")
    assert "integer" in refused.text


def test_lax_tools_coerce() -> None:
    @tool(strict=False)
    def double(n: int) -> int:
        """Double."""
        return 2 * n

    assert double.validate({"n": "4"}).n == 4  # type: ignore[attr-defined]
    with pytest.raises(ValidationError, match="valid integer"):
        add.validate({"a": "4"})


def test_misuse_is_refused() -> None:
    def varargs(*items: int) -> int:
        return 0

    with pytest.raises(UsageError, match=r"\*args"):
        tool(varargs)
    with pytest.raises(UsageError, match="name"):
        tool(lambda: 0)
    with pytest.raises(UsageError, match="two tools are named 'add'"):
        FunctionToolset([add, add])
    with pytest.raises(UsageError, match="timeout_s must be positive"):
        tool(timeout_s=0)(varargs)


async def test_composition() -> None:
    toolset = FunctionToolset([add, nap])
    assert toolset.requires_approval("nap")
    assert not toolset.requires_approval("add")
    prefixed = toolset.prefixed("math")
    assert [spec.name for spec in await prefixed.list_tools()] == ["math_add", "math_nap"]
    assert prefixed.requires_approval("math_nap")
    result = await prefixed.call(call("math_add", a=5))
    assert (result.text, result.name) == ("7", "math_add")
    assert (await prefixed.call(call("add", a=5))).is_error

    renamed = toolset.renamed({"add": "plus"})
    assert [spec.name for spec in await renamed.list_tools()] == ["plus", "nap"]
    assert (await renamed.call(call("plus", a=1))).text == "3"
    assert (await renamed.call(call("add", a=1))).is_error

    only = toolset.filtered(exclude=["n*"])
    assert [spec.name for spec in await only.list_tools()] == ["add"]
    assert (await only.call(call("nap", seconds=0))).is_error

    both = combine(only, FunctionToolset([where]))
    assert [spec.name for spec in await both.list_tools()] == ["add", "where"]
    assert not (await both.call(call("where", point={"x": 2}))).is_error
    with pytest.raises(UsageError, match=r"offered by toolset #0.*prefix"):
        await combine(toolset, FunctionToolset([add])).list_tools()
    with pytest.raises(UsageError, match="rename maps two tools to one name"):
        toolset.renamed({"add": "x", "nap": "x"})
    with pytest.raises(UsageError, match="'add' and 'nap' both become 'nap'"):
        await toolset.renamed({"add": "nap"}).list_tools()


def test_registry_kinds_and_errors(tmp_path: object) -> None:
    kinds = toolset_kinds()
    assert {"python", "builtin", "mcp"} <= set(kinds)
    assert kinds["mcp"].options.model_config.get("extra") == "forbid"
    toolset = build_toolset("python", {"tools": ["tests.tools.test_function_tools:add"]})
    assert isinstance(toolset, FunctionToolset)
    assert list(toolset.tools) == ["add"]
    whole_module = build_toolset("python", {"tools": ["tests.tools.test_function_tools"]})
    assert {"add", "nap", "where"} <= set(whole_module.tools)  # type: ignore[attr-defined]
    with pytest.raises(ConfigError, match="did you mean 'python'"):
        build_toolset("pyhton", {})
    with pytest.raises(ConfigError, match="tool: unknown key; did you mean 'tools'"):
        build_toolset("python", {"tool": ["x"]})
    with pytest.raises(ConfigError, match="cannot import tool module 'no_such_module'"):
        build_toolset("python", {"tools": ["no_such_module:f"]})
    with pytest.raises(ConfigError, match="need a root directory"):
        build_toolset("builtin", {"tools": ["read_file"]})

    class Loose(BaseModel):
        size: int = 1

    with pytest.raises(UsageError, match="must forbid unknown keys"):
        register_toolset_kind("loose", lambda options: FunctionToolset(), options=Loose)

    class Opts(BaseModel, extra="forbid"):
        size: int = 1

    def factory(options: Opts) -> Toolset:
        return FunctionToolset([add] * 0)

    register_toolset_kind("test-kind", factory, options=Opts)
    assert isinstance(build_toolset("test-kind", {"size": 3}), FunctionToolset)
    with pytest.raises(ConfigError, match="size: Input should be a valid integer"):
        build_toolset("test-kind", {"size": "big"})


def test_the_schema_is_checked_only_where_it_refuses_more_than_pydantic() -> None:
    from interlace.tools.schema import schema_may_refuse_more

    optional = {"anyOf": [{"type": "integer"}, {"type": "null"}], "default": None}
    assert not schema_may_refuse_more({"type": "object", "properties": {"a": optional}})
    for keyword in ({"enum": [0]}, {"const": 0}, {"minimum": 1}, {"pattern": "x"}):
        nested = {"type": "object", "properties": {"a": {"type": "array", "items": keyword}}}
        assert schema_may_refuse_more(nested), keyword
    # the names of properties are not keywords
    named = {"type": "object", "properties": {"enum": {"type": "string"}}}
    assert not schema_may_refuse_more(named)

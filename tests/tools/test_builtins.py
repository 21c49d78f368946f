"""Built-in tools: the AST calculator, date/time, and file tools confined to a root."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from interlace.protocols import ToolCall
from interlace.protocols.errors import UsageError
from interlace.tools.builtins import calculator, current_datetime, evaluate, file_tools
from interlace.tools.builtins.calculator import CalculatorError
from interlace.tools.registry import build_toolset


@pytest.mark.parametrize(
    ("expression", "value"),
    [
        ("2 * (3 + 4) ** 2 / 7", 14.0),
        ("-7 // 2", -4),
        ("sqrt(16) + abs(-1)", 5.0),
        ("2**10 % 1000", 24),
        ("round(pi, 3)", 3.142),
        ("max(1, 5, 3)", 5),
        ("factorial(5)", 120),
    ],
)
def test_calculator_evaluates(expression: str, value: float) -> None:
    assert evaluate(expression) == value


@pytest.mark.parametrize(
    "expression",
    [
        "__import__('os').system('true')",
        "open('x')",
        "(1).__class__",
        "[1, 2]",
        "'a' * 3",
        "9 ** 9 ** 9",
        "factorial(10000)",
        "x + 1",
        "1 +",
        "True + 1",
        "lambda: 1",
        "2" * 600,
    ],
)
def test_calculator_refuses(expression: str) -> None:
    with pytest.raises(CalculatorError):
        evaluate(expression)


async def test_calculator_tool_reports_errors() -> None:
    ok = await calculator.run(ToolCall(id="1", name="calculator", arguments={"expression": "1/4"}))
    assert ok.text == "0.25"
    bad = await calculator.run(ToolCall(id="2", name="calculator", arguments={"expression": "1/0"}))
    assert bad.is_error
    assert "division by zero" in bad.text


async def test_datetime_tool() -> None:
    result = await current_datetime.run(
        ToolCall(id="1", name="datetime", arguments={"timezone": "Asia/Tokyo"})
    )
    stamp = dt.datetime.fromisoformat(result.text.split(" ")[0])
    assert stamp.utcoffset() == dt.timedelta(hours=9)
    assert abs(stamp - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=1)
    bad = await current_datetime.run(
        ToolCall(id="2", name="datetime", arguments={"timezone": "Nowhere/X"})
    )
    assert bad.is_error
    assert "unknown time zone" in bad.text


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    (root / "docs").mkdir(parents=True)
    (root / "docs" / "guide.md").write_text("line one\nThe Secret word\n")
    (root / "notes.txt").write_text("hello notes\n")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("TOP SECRET\n")
    os.symlink(outside / "secret.txt", root / "leak.txt")
    os.symlink(outside, root / "leakdir")
    os.symlink(root / "notes.txt", root / "inside_link.txt")
    return root


async def run(root: Path, name: str, **arguments: object) -> tuple[bool, str]:
    toolset = build_toolset("builtin", {"root": str(root)})
    result = await toolset.call(ToolCall(id="1", name=name, arguments=dict(arguments)))
    return result.is_error, result.text


async def test_file_tools_inside_root(workspace: Path) -> None:
    assert await run(workspace, "read_file", path="docs/guide.md") == (
        False,
        "line one\nThe Secret word\n",
    )
    assert await run(workspace, "read_file", path="inside_link.txt") == (False, "hello notes\n")
    error, listing = await run(workspace, "list_files")
    assert not error
    assert "docs/" in listing
    assert "notes.txt" in listing
    assert "leak.txt" not in listing
    assert "leakdir" not in listing
    error, found = await run(workspace, "search_files", query="secret")
    assert not error
    assert found == "docs/guide.md:2: The Secret word"
    error, recursive = await run(workspace, "list_files", recursive=True, pattern="*.md")
    assert recursive == '["docs/guide.md"]'


ESCAPES = [
    ("../outside/secret.txt", "'..'"),
    ("docs/../../outside/secret.txt", "'..'"),
    ("/etc/passwd", "absolute"),
    ("~/x", "absolute"),
    ("leak.txt", "outside the root"),
    ("leakdir/secret.txt", "outside the root"),
]


async def test_file_tools_refuse_escapes(workspace: Path) -> None:
    for path, reason in ESCAPES:
        for tool_name in ("read_file", "list_files", "search_files"):
            arguments: dict[str, object] = {"path": path}
            if tool_name == "search_files":
                arguments["query"] = "SECRET"
            error, text = await run(workspace, tool_name, **arguments)
            assert error, (path, tool_name, text)
            assert reason in text, (path, tool_name, text)
            assert "TOP SECRET" not in text


def test_file_root_must_exist(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="not a directory"):
        file_tools(tmp_path / "missing")

"""`examples/hello_local.py` shows an agent on the packaged model calling a tool."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).parents[3] / "examples" / "hello_local.py"


def test_hello_local_computes_through_the_calculator(capsys: pytest.CaptureFixture[str]) -> None:
    runpy.run_path(str(EXAMPLE), run_name="__main__")
    assert capsys.readouterr().out.splitlines() == [
        "task: What is 17 * 23?",
        "tool call: calculator({'expression': '17 * 23'})",
        "tool result: 391",
        "answer: 391",
    ]

"""A smoke run of bench/tool_selection.py (``--quick``): its code paths stay in step with
the APIs it drives (BFCL catalogues, the selector, the index, prompt-token counts); the
model part runs its decision formats on a scripted backend (the real model's numbers are
the bench's job)."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

from interlace.agents import tool_index as tool_index_module
from interlace.agents.tool_index import ToolIndex
from interlace.protocols import ModelRequest
from interlace.runtimes.scripted import FunctionBackend, ScriptItem, call

BENCH = Path(__file__).parents[2] / "bench" / "tool_selection.py"


@pytest.fixture
def bench(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """The bench as a module, its tool vectors kept under ``tmp_path``."""
    index = ToolIndex("default", folder=tmp_path / "tool-embeddings")
    monkeypatch.setattr(tool_index_module, "_indexes", {("default", "auto"): index})
    spec = importlib.util.spec_from_file_location("tool_selection_bench", BENCH)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)
    spec.loader.exec_module(module)
    return module


def test_quick_run_reports_every_measure(
    bench: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    bench.main(["--quick", "--model-questions", "0"])
    lines = [line.split() for line in capsys.readouterr().out.splitlines()]
    measured = {words[1]: float(words[2]) for words in lines if words[:1] == ["BENCH"]}
    names = {name.removeprefix("tool_selection.") for name in measured}
    assert {"recall_at_8_5", "select_ms_10", "prompt_tokens_ratio_5"} <= names
    # two of five tools are offered: their prompt is shorter than all five's
    assert measured["tool_selection.prompt_tokens_ratio_5"] > 1.0


def offered(request: ModelRequest) -> list[str]:
    """The tools a request offers: natively, or as a few-shot decision's choices."""
    if request.tools:
        return [spec.name for spec in request.tools]
    schema = request.response_format.json_schema  # type: ignore[union-attr]
    return [option["properties"]["tool"]["const"] for option in schema.get("anyOf", [schema])]


def first_offered(request: ModelRequest) -> ScriptItem:
    """A call of the first offered tool: native, or as a few-shot decision."""
    name = offered(request)[0]
    if request.tools:
        return call(name)
    return json.dumps({"tool": name, "arguments": {}})


def test_model_part_runs_both_decision_formats(
    bench: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    pool, questions = bench.load(bench.QUICK)
    backend = FunctionBackend(first_offered)
    asyncio.run(bench.calls(backend, pool, questions, 2, bench.QUICK, ["native", "fewshot"]))
    out = capsys.readouterr().out
    for name in ("native", "fewshot"):
        assert f"BENCH tool_selection.{name}_gold_named_selected" in out
        assert f"{name} every: first call" in out
    counts = [len(offered(request)) for request in backend.requests]
    assert counts == [5, 2] * (len(counts) // 2)  # every tool, then the selection
    assert len(counts) == 4 * len(backend.requests[0].messages)  # 2 questions, 2 formats

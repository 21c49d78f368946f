"""OpenTelemetry spans with GenAI attributes, written to a local JSONL trace."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from interlace.agents import configure_tracing, sequence, tracing
from interlace.agents.runner import run
from interlace.runtimes import call

from .helpers import scripted_agent


@pytest.fixture
def trace_file(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "trace.jsonl"
    configure_tracing(jsonl=path)
    yield path
    configure_tracing(jsonl=None)


async def test_spans_for_run_step_model_and_tool(trace_file: Path) -> None:
    writer, _ = scripted_agent("writer", [call("add", a=1, b=2), "3"])
    editor, _ = scripted_agent("editor", ["three"], tools=False)
    result = await run(sequence([writer, editor], name="team"), "go")
    spans = _read_spans(trace_file)
    by_name = {span["name"]: span for span in spans}
    run_span = by_name["run team"]
    invoke = by_name["invoke_agent writer"]
    step = by_name["agent_step writer.agent"]
    tool = by_name["execute_tool add"]
    chats = [span for span in spans if span["name"] == "chat scripted-writer"]
    assert len(chats) == 2
    assert tool["attributes"]["gen_ai.tool.call.id"] == result.messages[1].tool_calls[0].id
    assert chats[0]["attributes"]["gen_ai.request.model"] == "scripted-writer"
    used = sum(span["attributes"]["gen_ai.usage.input_tokens"] for span in chats)
    assert used == result.usage_by_agent["writer"].input_tokens
    # one trace, properly nested: run > agent > agent step > model call; agent > tool call
    assert {span["trace_id"] for span in spans} == {run_span["trace_id"]}
    assert invoke["parent_id"] == run_span["span_id"]
    steps = [span for span in spans if span["name"] == step["name"]]
    assert len(steps) == 2  # one step per model call
    assert {span["parent_id"] for span in steps} == {invoke["span_id"]}
    assert {span["parent_id"] for span in chats} == {span["span_id"] for span in steps}
    assert tool["parent_id"] == invoke["span_id"]
    assert invoke["attributes"]["gen_ai.operation.name"] == "invoke_agent"


async def test_no_trace_unless_configured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Spans are written while a trace file is configured and stop once it is switched
    off; with no configuration nothing is written anywhere, the working folder included."""
    path = tmp_path / "trace.jsonl"
    workdir = tmp_path / "work"
    workdir.mkdir()
    monkeypatch.chdir(workdir)
    agent, _ = scripted_agent("quiet", ["ok"] * 3, tools=False)
    configure_tracing(jsonl=path)
    try:
        await run(agent, "hi")
    finally:
        configure_tracing(jsonl=None)
    written = path.read_text()
    assert "chat scripted-quiet" in written  # the probe works: configured, spans arrive
    await run(agent, "hi")
    assert path.read_text() == written, "spans were written after tracing was switched off"
    assert _files(workdir) == []
    assert tracing._get_tracer() is None  # no provider installed: spans are not even made


async def test_spans_go_to_a_global_provider_once_one_is_installed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from opentelemetry import trace
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    agent, _ = scripted_agent("traced", ["ok"] * 2, tools=False)
    await run(agent, "before")  # nothing installed yet
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    # what trace.set_tracer_provider does, undone after the test (it allows one per process)
    monkeypatch.setattr(trace, "_TRACER_PROVIDER", provider)
    await run(agent, "after")
    assert {"run traced", "chat scripted-traced"} <= {s.name for s in exporter.get_finished_spans()}


def _read_spans(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def _files(folder: Path) -> list[Path]:
    return list(folder.iterdir())

"""OpenTelemetry spans for runs, agent steps, model calls and tool calls.

Spans follow the GenAI semantic conventions (``gen_ai.request.model``,
``gen_ai.usage.input_tokens``, ...). Nothing is exported unless configured: spans go to
the global tracer provider (a no-op until the application installs one), or to a local
JSONL file after :func:`configure_tracing` with ``jsonl=PATH``.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from opentelemetry import trace
from opentelemetry.environment_variables import OTEL_PYTHON_TRACER_PROVIDER

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import ReadableSpan
    from opentelemetry.sdk.trace.export import SpanExportResult

_SCOPE = "interlace.agents"
_tracer: trace.Tracer | None = None
# A proxy: it follows whatever global tracer provider the application installs later.
_global_tracer = trace.get_tracer(_SCOPE)


# OpenTelemetry's own check for a provider reads the environment (a raised and caught
# KeyError) at every call; an environment that names a provider is read once, here.
_ENV_PROVIDER = OTEL_PYTHON_TRACER_PROVIDER in os.environ
_UNKNOWN = object()  # an OpenTelemetry without the attribute: ask it the public way


def _get_tracer() -> trace.Tracer | None:
    """The tracer, or ``None`` while nothing would record spans (the fast path)."""
    if _tracer is not None:
        return _tracer
    if getattr(trace, "_TRACER_PROVIDER", _UNKNOWN) is None and not _ENV_PROVIDER:
        return None  # no provider installed, none named: spans would be dropped anyway
    if isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider):
        return None
    return _global_tracer


def configure_tracing(*, jsonl: str | Path | None = None) -> None:
    """Send interlace spans to a JSONL file (one span per line); ``None`` switches back
    to the global tracer provider."""
    global _tracer
    if jsonl is None:
        _tracer = None
        return
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor

    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(_jsonl_exporter(Path(jsonl))))
    _tracer = provider.get_tracer(_SCOPE)


def _jsonl_exporter(path: Path) -> Any:
    from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

    lock = threading.Lock()

    class JsonlSpanExporter(SpanExporter):
        def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
            with lock, path.open("a", encoding="utf-8") as handle:
                for span in spans:
                    handle.write(json.dumps(_span_record(span), default=str) + "\n")
            return SpanExportResult.SUCCESS

    return JsonlSpanExporter()


def _span_record(span: ReadableSpan) -> dict[str, Any]:
    context = span.get_span_context()
    return {
        "name": span.name,
        "trace_id": f"{context.trace_id:032x}" if context else None,
        "span_id": f"{context.span_id:016x}" if context else None,
        "parent_id": f"{span.parent.span_id:016x}" if span.parent else None,
        "start_ns": span.start_time,
        "end_ns": span.end_time,
        "status": span.status.status_code.name,
        "attributes": dict(span.attributes or {}),
    }


class _NoSpan:
    """The span context of a block nobody traces: nothing is built or recorded."""

    def __enter__(self) -> trace.Span:
        return trace.INVALID_SPAN

    def __exit__(self, *exc: object) -> None:
        return None


_NO_SPAN = _NoSpan()


def span(name: str, attributes: dict[str, Any]) -> AbstractContextManager[trace.Span]:
    """A span around a block; exceptions are recorded on it and re-raised."""
    tracer = _get_tracer()
    if tracer is None:
        return _NO_SPAN
    return tracer.start_as_current_span(name, attributes=attributes)


def run_span(target: str) -> Any:
    """The span of a whole run."""
    return span(
        f"run {target}", {"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": target}
    )


def agent_span(agent: str) -> Any:
    """The span of an agent (or graph) invoked as a node of a graph."""
    return span(
        f"invoke_agent {agent}",
        {"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": agent},
    )


def step_span(agent: str, node: str) -> Any:
    """The span of one agent step (a node of its planner graph)."""
    return span(
        f"agent_step {agent}.{node}",
        {"gen_ai.agent.name": agent, "interlace.node": node},
    )


def model_span(agent: str, model: str) -> Any:
    """The span of one model call."""
    return span(
        f"chat {model}",
        {
            "gen_ai.operation.name": "chat",
            "gen_ai.request.model": model,
            "gen_ai.agent.name": agent,
        },
    )


def selection_span(agent: str, total: int) -> Any:
    """The span of one tool selection (``interlace.tools.offered`` is set on it: the
    offered tools with their scores, as JSON)."""
    return span(
        f"select_tools {agent}",
        {"gen_ai.agent.name": agent, "interlace.tools.total": total},
    )


def tool_span(agent: str, name: str, call_id: str) -> Any:
    """The span of one tool call."""
    return span(
        f"execute_tool {name}",
        {
            "gen_ai.operation.name": "execute_tool",
            "gen_ai.tool.name": name,
            "gen_ai.tool.call.id": call_id,
            "gen_ai.agent.name": agent,
        },
    )

"""Process-wide settings a config switches on: offline mode and tracing."""

from __future__ import annotations

import sys
from typing import Any

from interlace.protocols.errors import ConfigError

from .schema import Config, TracingSpec


def apply_runtime_settings(config: Config) -> None:
    """Enforce ``offline: strict`` and install the tracing exporter, when configured."""
    if config.offline.strict:
        from interlace.runtimes.offline import enforce_offline

        enforce_offline(strict=True, allow_hosts=config.offline.allow)
    if config.tracing.enabled:
        configure_tracing(config.tracing, config)


def configure_tracing(spec: TracingSpec, config: Config) -> None:
    """Send the agents' spans where ``spec`` says."""
    from interlace.agents import tracing

    if spec.exporter == "jsonl":
        path = config.base_dir / spec.path
        path.parent.mkdir(parents=True, exist_ok=True)
        tracing.configure_tracing(jsonl=path)
        return
    from opentelemetry import trace
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter

    exporter: Any
    if spec.exporter == "otlp":
        if not spec.endpoint:
            raise ConfigError("tracing.exporter otlp needs tracing.endpoint (the collector URL)")
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

        from interlace.runtimes.offline import check_endpoint

        check_endpoint(spec.endpoint, "sending traces to")  # gRPC's sockets bypass the guard

        exporter = OTLPSpanExporter(endpoint=spec.endpoint)
    else:
        exporter = ConsoleSpanExporter(out=sys.stderr)  # stdout is the answer's
    provider = TracerProvider(resource=Resource.create({"service.name": spec.service_name}))
    provider.add_span_processor(BatchSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    tracing.configure_tracing(jsonl=None)

"""An OpenAI-compatible API over an :class:`AgentHost`: each agent is a "model".

``GET /v1/models`` lists the agents; ``POST /v1/chat/completions`` runs one on the
conversation sent, streamed as Server-Sent Events or not, with usage filled in. The wire
format comes from :mod:`interlace.protocols.openai_wire`. Imported only when serving.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.responses import Response

from interlace.protocols import (
    Done,
    Message,
    ModelRequest,
    ModelResponse,
    StreamEvent,
    TextDelta,
)
from interlace.protocols.errors import (
    ApprovalRequired,
    ProtocolError,
    RunFailure,
    RunTimeout,
    UsageError,
)
from interlace.protocols.openai_wire import event_to_chunk, request_from_openai, response_to_openai

from .host import AgentHost
from .protocols import ServerParts
from .running import public_error, result_failure, run_agent, stream_agent
from .settings import ServeSettings
from .sse import Emit, EventStreamResponse, Producer

if TYPE_CHECKING:
    from interlace.agents.events import RunEvent, RunResult


class ApiError(UsageError):
    """A request the API refuses, answered in OpenAI's ``{"error": {...}}`` shape."""

    def __init__(
        self,
        status: int,
        message: str,
        kind: str = "invalid_request_error",
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.body = {"error": {"message": message, "type": kind, "code": code, "param": None}}


def error_for(exc: BaseException) -> ApiError:
    """The API error for an exception raised while serving a request."""
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, ApprovalRequired):
        return ApiError(409, str(exc), code="approval_required")
    if isinstance(exc, RunTimeout):
        return ApiError(504, public_error(exc), "timeout_error", "timeout")
    if isinstance(exc, UsageError):
        return ApiError(400, public_error(exc))
    code = "agent_error" if isinstance(exc, RunFailure) else None
    return ApiError(500, public_error(exc), "server_error", code)


def create_openai_app(host: AgentHost, settings: ServeSettings) -> FastAPI:
    """The FastAPI app serving ``/v1/models`` and ``/v1/chat/completions``."""
    app = FastAPI(title="interlace", docs_url=None, redoc_url=None, openapi_url=None)

    @app.get("/v1/models")
    async def models() -> JSONResponse:
        data = [_model_entry(name, description) for name, description in host.agent_cards()]
        return JSONResponse({"object": "list", "data": data})

    @app.post("/v1/chat/completions")
    async def chat_completions(request: Request) -> Response:
        try:
            name, body, model_request = await _parse(request, host)
            if body.get("stream"):
                chunks = _stream(host, name, model_request.messages, settings)
                return EventStreamResponse(chunks)
            result = await run_agent(host, name, model_request.messages, settings.timeout_s)
            return JSONResponse(response_to_openai(_response(name, result), int(time.time())))
        except Exception as exc:
            error = error_for(exc)
            return JSONResponse(error.body, status_code=error.status)

    return app


def openai_parts(host: AgentHost, settings: ServeSettings, base_url: str) -> ServerParts:
    """The OpenAI-compatible API (``/v1/...``), mounted at the root."""
    from starlette.routing import Mount

    return ServerParts([Mount("", app=create_openai_app(host, settings))])


def _model_entry(name: str, description: str) -> dict[str, Any]:
    entry: dict[str, Any] = {"id": name, "object": "model", "created": 0, "owned_by": "interlace"}
    if description:
        entry["description"] = description
    return entry


async def _parse(request: Request, host: AgentHost) -> tuple[str, dict[str, Any], ModelRequest]:
    try:
        body = json.loads(await request.body())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ApiError(
            400, f"request body is not valid JSON: {exc}", "invalid_request_error"
        ) from exc
    if not isinstance(body, dict):
        raise ApiError(400, "request body must be a JSON object", "invalid_request_error")
    name = body.get("model")
    names = [card[0] for card in host.agent_cards()]
    if not isinstance(name, str) or name not in names:
        message = f"no agent named {name!r}; use one of: {', '.join(names)} (see GET /v1/models)"
        raise ApiError(404, message, "invalid_request_error", "model_not_found")
    try:
        model_request = request_from_openai(body)
    except ProtocolError as exc:
        raise ApiError(400, str(exc), "invalid_request_error") from exc
    if model_request.tools:
        message = (
            f"agent {name!r} brings its own tools; remove 'tools' from the request "
            "(client-side tools are not supported by this server)"
        )
        raise ApiError(400, message, "invalid_request_error", "tools_not_supported")
    if not model_request.messages:
        raise ApiError(
            400, "'messages' is empty; send at least one message", "invalid_request_error"
        )
    return name, body, model_request


def _check_result(result: RunResult) -> None:
    failure = result_failure(result)
    if failure is not None:
        raise RunFailure(failure)
    if result.interrupted:
        calls = ", ".join(f"{item.call.name} ({item.call.id})" for item in result.pending)
        message = (
            f"the run stopped for human approval of: {calls}; the OpenAI-compatible API "
            "cannot approve tool calls, use the A2A server (input-required) instead"
        )
        raise ApprovalRequired(message, result.pending)


def _response(name: str, result: RunResult, completion_id: str | None = None) -> ModelResponse:
    _check_result(result)
    return ModelResponse(
        message=Message.assistant(result.output),
        finish_reason="stop" if result.stop_reason == "final" else "length",
        usage=result.usage,
        model=name,
        id=completion_id or f"chatcmpl-{uuid.uuid4().hex}",
    )


def _sse(data: dict[str, Any]) -> str:
    return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"


def _stream(
    host: AgentHost, name: str, messages: tuple[Message, ...], settings: ServeSettings
) -> Producer:
    from interlace.agents.events import DoneEvent, TextDeltaEvent

    completion_id, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())

    def chunk(event: StreamEvent) -> str:
        return _sse(event_to_chunk(event, completion_id, name, created))

    async def produce(emit: Emit) -> None:
        first = event_to_chunk(TextDelta(text=""), completion_id, name, created)
        first["choices"][0]["delta"]["role"] = "assistant"
        await emit(_sse(first))
        streamed = False

        async def on_event(event: RunEvent) -> None:
            nonlocal streamed
            if isinstance(event, TextDeltaEvent) and event.text:
                streamed = True
                await emit(chunk(TextDelta(text=event.text)))
            elif isinstance(event, DoneEvent):
                response = _response(name, event.result, completion_id)
                if not streamed and response.message.text:
                    await emit(chunk(TextDelta(text=response.message.text)))
                await emit(chunk(Done(response=response)))

        try:
            await stream_agent(host, name, messages, settings.timeout_s, on_event)
        except Exception as exc:
            await emit(_sse(error_for(exc).body))
        await emit("data: [DONE]\n\n")

    return produce

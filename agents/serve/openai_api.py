"""An OpenAI-compatible API over an :class:`AgentHost`: each agent is a "model".

``GET /v1/models`` lists the agents; ``POST /v1/chat/completions`` runs one on the
conversation sent, streamed as Server-Sent Events or not, with usage filled in. The wire
format comes from :mod:`interlace.protocols.openai_wire`. Imported only when serving.

Statuses tell the truth: 400 for a bad request (a field the agents cannot honour, a
conversation longer than the model's context window, with both token counts), 404 for
an unknown agent, 409 for a run waiting for approval, 429 with ``Retry-After`` when the
model's queue is full, 500 for a failed run, 504 for a run past its time limit. A
streamed request gets these statuses too when the run fails before its first token.
"""

from __future__ import annotations

import json
import math
import time
import uuid
from typing import TYPE_CHECKING, Any

import anyio
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

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
    ContextOverflowError,
    OverloadedError,
    ProtocolError,
    RunFailure,
    RunTimeout,
    UsageError,
)
from interlace.protocols.openai_wire import event_to_chunk, request_from_openai, response_to_openai
from interlace.tools.upstream import ToolsetUnavailable

from .host import AgentHost
from .openai_fields import UnsupportedField, check_fields
from .protocols import ServerParts
from .running import public_error, run_agent, stream_agent
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
        *,
        param: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.headers = headers or {}
        self.body = {"error": {"message": message, "type": kind, "code": code, "param": param}}

    def response(self) -> JSONResponse:
        """The JSON response carrying this error."""
        return JSONResponse(self.body, status_code=self.status, headers=self.headers)


def error_for(exc: BaseException) -> ApiError:
    """The API error for an exception raised while serving a request."""
    if isinstance(exc, ApiError):
        return exc
    message = public_error(exc)
    if isinstance(exc, ApprovalRequired):
        return ApiError(409, str(exc), code="approval_required")
    if isinstance(exc, RunTimeout):
        return ApiError(504, message, "timeout_error", "timeout")
    if isinstance(exc, OverloadedError):
        seconds = str(max(1, math.ceil(exc.retry_after or 1)))
        headers = {"Retry-After": seconds}
        return ApiError(429, message, "rate_limit_error", "overloaded", headers=headers)
    if isinstance(exc, ContextOverflowError):
        return ApiError(400, message, "invalid_request_error", "context_length_exceeded")
    if isinstance(exc, ToolsetUnavailable):
        seconds = str(max(1, math.ceil(exc.retry_after or 1)))
        headers = {"Retry-After": seconds}
        return ApiError(503, message, "server_error", "upstream_unavailable", headers=headers)
    if isinstance(exc, UnsupportedField):
        return ApiError(400, message, "invalid_request_error", "unsupported_field", param=exc.field)
    if isinstance(exc, UsageError):
        return ApiError(400, message)
    code = "agent_error" if isinstance(exc, RunFailure) else None
    return ApiError(500, message, "server_error", code)


def openai_routes(host: AgentHost, settings: ServeSettings) -> list[BaseRoute]:
    """The routes ``GET /v1/models`` and ``POST /v1/chat/completions`` (plain Starlette
    routes in the server's one app: no second app and middleware stack per request)."""

    async def models(request: Request) -> Response:
        data = [_model_entry(name, description) for name, description in host.agent_cards()]
        return JSONResponse({"object": "list", "data": data})

    async def chat_completions(request: Request) -> Response:
        try:
            name, body, model_request, n = await _parse(request, host)
            if body.get("stream"):
                chunks = _stream(host, name, model_request, settings)
                return EventStreamResponse(chunks, lambda exc: error_for(exc).response())
            return JSONResponse(await _complete(host, name, model_request, n, settings))
        except Exception as exc:
            return error_for(exc).response()

    return [
        Route("/v1/models", models, methods=["GET"]),
        Route("/v1/chat/completions", chat_completions, methods=["POST"]),
    ]


def openai_parts(host: AgentHost, settings: ServeSettings, base_url: str) -> ServerParts:
    """The OpenAI-compatible API (``/v1/...``)."""
    return ServerParts(openai_routes(host, settings))


async def _complete(
    host: AgentHost, name: str, request: ModelRequest, n: int, settings: ServeSettings
) -> dict[str, Any]:
    """Run the agent ``n`` times at once (``n`` choices) and answer the completion."""
    results: list[RunResult] = []

    async def one() -> None:
        results.append(
            await run_agent(
                host, name, request.messages, settings.timeout_s, sampling=request.settings
            )
        )

    if n == 1:
        await one()
    else:
        try:
            async with anyio.create_task_group() as group:
                for _ in range(n):
                    group.start_soon(one)
        except BaseExceptionGroup as failed:
            raise _first(failed) from None
    responses = [_response(name, result) for result in results]
    data = response_to_openai(responses[0], int(time.time()))
    for index, response in enumerate(responses[1:], 1):
        extra = response_to_openai(response)["choices"][0]
        data["choices"].append({**extra, "index": index})
    usage = sum((response.usage for response in responses[1:]), responses[0].usage)
    data["usage"] = response_to_openai(responses[0].model_copy(update={"usage": usage}))["usage"]
    return data


def _first(group: BaseExceptionGroup[BaseException]) -> BaseException:
    """The first failure in a (nested) exception group."""
    first = group.exceptions[0]
    return _first(first) if isinstance(first, BaseExceptionGroup) else first


def _model_entry(name: str, description: str) -> dict[str, Any]:
    entry: dict[str, Any] = {"id": name, "object": "model", "created": 0, "owned_by": "interlace"}
    if description:
        entry["description"] = description
    return entry


async def _parse(
    request: Request, host: AgentHost
) -> tuple[str, dict[str, Any], ModelRequest, int]:
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
    n = check_fields(body, name)
    try:
        model_request = request_from_openai(body)
    except ProtocolError as exc:
        raise ApiError(400, str(exc), "invalid_request_error") from exc
    if not model_request.messages:
        raise ApiError(
            400, "'messages' is empty; send at least one message", "invalid_request_error"
        )
    return name, body, model_request, n


def _check_result(result: RunResult) -> None:
    if result.interrupted:
        calls = ", ".join(f"{item.call.name} ({item.call.id})" for item in result.pending)
        message = (
            f"the run stopped for human approval of: {calls}; the OpenAI-compatible API "
            "cannot approve tool calls, use the A2A server (input-required) instead"
        )
        raise ApprovalRequired(message, result.pending)


def _response(name: str, result: RunResult, completion_id: str | None = None) -> ModelResponse:
    """The completion of a run; any stop short of a final answer (the answer cut at
    ``max_tokens``, a spent step or token budget) finishes with ``length``."""
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


def _stream(host: AgentHost, name: str, request: ModelRequest, settings: ServeSettings) -> Producer:
    """The producer of a streamed completion. Its first chunk waits for the run's first
    output, so a run failing before that raises (and gets a real HTTP status); a failure
    after it is reported as an error event."""
    from interlace.agents.events import DoneEvent, TextDeltaEvent

    from .running import raise_for_result

    completion_id, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())

    def chunk(event: StreamEvent) -> str:
        return _sse(event_to_chunk(event, completion_id, name, created))

    async def produce(emit: Emit) -> None:
        started = streamed = False

        async def start() -> None:
            nonlocal started
            if not started:
                first = event_to_chunk(TextDelta(text=""), completion_id, name, created)
                first["choices"][0]["delta"]["role"] = "assistant"
                await emit(_sse(first))
                started = True

        async def on_event(event: RunEvent) -> None:
            nonlocal streamed
            if isinstance(event, TextDeltaEvent) and event.text:
                await start()
                streamed = True
                await emit(chunk(TextDelta(text=event.text)))
            elif isinstance(event, DoneEvent):
                raise_for_result(event.result)
                response = _response(name, event.result, completion_id)
                await start()
                if not streamed and response.message.text:
                    await emit(chunk(TextDelta(text=response.message.text)))
                await emit(chunk(Done(response=response)))

        try:
            await stream_agent(
                host,
                name,
                request.messages,
                settings.timeout_s,
                on_event,
                sampling=request.settings,
            )
        except Exception as exc:
            if not started:
                raise
            await emit(_sse(error_for(exc).body))
        await emit("data: [DONE]\n\n")

    return produce

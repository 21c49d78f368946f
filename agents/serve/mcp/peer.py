"""The MCP client of one request as the request's :class:`~interlace.protocols.peer.Peer`.

Progress rides ``notifications/progress`` (when the client sent a progress token), log
lines ``notifications/message`` at or above the level the client chose: per session with
``logging/setLevel`` before 2026-07-28, per request (``_meta``) from 2026-07-28 on.
Questions go to the client as ``elicitation/create``, ``sampling/createMessage`` and
``roots/list``: sent and awaited within the request on handshake-era sessions; on
2026-07-28 connections, which cannot carry server requests, they end the request with an
``input_required`` result (:class:`~interlace.protocols.peer.InputRequired`), and the
answers arrive with the request's next round (``inputResponses``, kept in the round state).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import mcp_types as types
from mcp.server import ServerRequestContext
from mcp.server.connection import allowed_log_levels
from mcp.shared.exceptions import MCPError
from mcp.shared.message import ServerMessageMetadata
from mcp_types.version import MODERN_PROTOCOL_VERSIONS
from pydantic import ValidationError

from interlace.protocols import ModelResponse
from interlace.protocols.mcp_sampling import request_to_mcp, result_from_mcp
from interlace.protocols.peer import (
    LOG_LEVELS,
    Answer,
    Elicitation,
    Elicited,
    InputRequired,
    LogLevel,
    PeerCapabilityError,
    Question,
    Root,
    RootsQuery,
    Sampling,
)

MISSING_CAPABILITY = types.MISSING_REQUIRED_CLIENT_CAPABILITY


def is_modern(ctx: ServerRequestContext[Any]) -> bool:
    """Whether the request came over a 2026-07-28 (stateless) connection."""
    return ctx.protocol_version in MODERN_PROTOCOL_VERSIONS


class McpPeer:
    """The client of ``ctx``; ``answers`` are the client's answers so far (wire JSON by
    question key), ``level`` the least severe log level the session asked for."""

    def __init__(
        self,
        ctx: ServerRequestContext[Any],
        answers: Mapping[str, Any] | None = None,
        level: LogLevel | None = None,
    ) -> None:
        self.ctx = ctx
        self.answers: dict[str, Any] = dict(answers or {})
        self.modern = is_modern(ctx)
        self._levels = _levels(ctx, level)

    # --- telling ---------------------------------------------------------------------------

    async def progress(
        self, progress: float, total: float | None = None, message: str | None = None
    ) -> None:
        """``notifications/progress`` for this request (none without a progress token)."""
        await self.ctx.session.report_progress(progress, total, message)

    async def log(
        self, level: LogLevel, message: str, *, data: Any = None, logger: str | None = None
    ) -> None:
        """``notifications/message`` on this request's stream, if the level is wanted."""
        if level not in self._levels:
            return
        payload = message if data is None else {"message": message, "data": data}
        notification = types.LoggingMessageNotification(
            params=types.LoggingMessageNotificationParams(
                level=level, data=payload, logger=logger or "interlace"
            )
        )
        await self.ctx.session.send_notification(
            notification, related_request_id=self.ctx.request_id
        )

    # --- asking ----------------------------------------------------------------------------

    def can_ask(self, question: Question) -> bool:
        """Whether the client declared the capability ``question`` needs."""
        return self.ctx.session.check_client_capability(_capability(question))

    async def ask(self, questions: Mapping[str, Question]) -> dict[str, Answer]:
        """Answers by key: from this round's answers, else asked now (see the module)."""
        for question in questions.values():
            if not self.can_ask(question):
                raise _missing(question)
        answers = {
            key: _answer(question, self.answers[key])
            for key, question in questions.items()
            if key in self.answers
        }
        missing = {key: q for key, q in questions.items() if key not in answers}
        if missing and self.modern:
            raise InputRequired(missing)
        for key, question in missing.items():
            self.answers[key] = await self._send(question)
            answers[key] = _answer(question, self.answers[key])
        return answers

    async def _send(self, question: Question) -> dict[str, Any]:
        request = types.server_request_adapter.validate_python(question_to_mcp(question))
        metadata = ServerMessageMetadata(related_request_id=self.ctx.request_id)
        result = await self.ctx.session.send_request(
            request, _RESULTS[question.kind], metadata=metadata
        )
        dumped: dict[str, Any] = result.model_dump(by_alias=True, mode="json", exclude_none=True)
        return dumped


_RESULTS: dict[str, type[Any]] = {
    "elicitation": types.ElicitResult,
    "sampling": types.CreateMessageResult,
    "roots": types.ListRootsResult,
}


def question_to_mcp(question: Question) -> dict[str, Any]:
    """The MCP request (wire JSON) that asks ``question``."""
    if isinstance(question, Elicitation):
        params = {"message": question.message, "requestedSchema": question.requested_schema}
        return {"method": "elicitation/create", "params": params}
    if isinstance(question, Sampling):
        params = request_to_mcp(question.request, question.model_hint)
        return {"method": "sampling/createMessage", "params": params}
    return {"method": "roots/list", "params": {}}


def _answer(question: Question, raw: Any) -> Answer:
    """The client's wire answer read as ``question`` expects (invalid: INVALID_PARAMS)."""
    try:
        if isinstance(question, Elicitation):
            result = types.ElicitResult.model_validate(raw)
            return Elicited(action=result.action, content=dict(result.content or {}))
        if isinstance(question, Sampling):
            return _sampled(raw)
        roots = types.ListRootsResult.model_validate(raw)
        return tuple(Root(uri=str(root.uri), name=root.name) for root in roots.roots)
    except (ValidationError, ValueError, TypeError) as error:
        raise MCPError(
            types.INVALID_PARAMS, f"the answer to a {question.kind} request is malformed: {error}"
        ) from error


def _sampled(raw: Any) -> ModelResponse:
    if not isinstance(raw, Mapping):
        raise ValueError(f"expected a CreateMessageResult object, got {type(raw).__name__}")
    return result_from_mcp(raw)


def _capability(question: Question) -> types.ClientCapabilities:
    if isinstance(question, Elicitation):
        return types.ClientCapabilities(elicitation=types.ElicitationCapability())
    if isinstance(question, RootsQuery):
        return types.ClientCapabilities(roots=types.RootsCapability())
    tools = types.SamplingToolsCapability() if question.request.tools else None
    return types.ClientCapabilities(sampling=types.SamplingCapability(tools=tools))


def _missing(question: Question) -> PeerCapabilityError:
    return PeerCapabilityError(
        f"the MCP client did not declare the {question.kind!r} capability, so it cannot "
        f"be asked; use a client that supports {question.kind}",
        question.kind,
    )


def capability_error(error: PeerCapabilityError) -> MCPError:
    """The MCP error for a question the client cannot answer (2026-07-28: -32021)."""
    data: dict[str, Any] = {"requiredCapabilities": {error.capability or "elicitation": {}}}
    return MCPError(MISSING_CAPABILITY, str(error), data)


def _levels(ctx: ServerRequestContext[Any], level: LogLevel | None) -> frozenset[str]:
    if is_modern(ctx):
        return frozenset(allowed_log_levels(ctx.protocol_version, ctx.meta))
    chosen = level or "info"
    return frozenset(LOG_LEVELS[LOG_LEVELS.index(chosen) :])

"""Rounds of one MCP request on 2026-07-28 connections (``input_required`` results).

A request that has to ask the client something ends with an ``input_required`` result:
the questions as MCP requests, and a ``requestState`` the client sends back with its
answers. The state is this module's :class:`Round` as JSON; the server's
``RequestStateBoundary`` seals it (encrypted, bound to the request, expiring), so a
client can neither read nor change it. A round carries the answers so far and, for an
agent called as a tool, the run's thread: the next round resumes the run from its last
checkpoint instead of starting it again.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import mcp_types as types
from mcp.shared.exceptions import MCPError
from pydantic import BaseModel

from interlace.protocols.peer import Question

from .peer import question_to_mcp


@dataclass
class Round:
    """What one round knows: ``answers`` by question key (wire JSON); for an agent run,
    its ``agent`` and ``thread``, and the ``approvals`` it waits for (question key ->
    the tool call, as ``{"id", "name", "arguments"}``)."""

    answers: dict[str, Any] = field(default_factory=dict)
    agent: str | None = None
    thread: str | None = None
    approvals: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def of(cls, request_state: str | None, responses: Mapping[str, Any] | None) -> Round:
        """The round a request starts: its (unsealed) state plus the answers it brings."""
        found = cls()
        if request_state:
            try:
                found = cls(**json.loads(request_state))
            except (ValueError, TypeError) as error:
                raise MCPError(
                    types.INVALID_PARAMS, "requestState is not from this server"
                ) from error
        for key, answer in (responses or {}).items():
            if isinstance(answer, BaseModel):
                answer = answer.model_dump(by_alias=True, mode="json", exclude_none=True)
            found.answers[key] = answer
        return found

    def state(self) -> str:
        """The round as the next ``requestState``."""
        return json.dumps(asdict(self), separators=(",", ":"))


def input_required(questions: Mapping[str, Question], round: Round) -> types.InputRequiredResult:
    """The result asking ``questions``, carrying ``round`` for the next request."""
    requests = {key: question_to_mcp(question) for key, question in questions.items()}
    return types.InputRequiredResult.model_validate(
        {"resultType": "input_required", "inputRequests": requests, "requestState": round.state()}
    )

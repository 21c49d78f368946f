"""Which tool-call path a request takes, and the request body for that path.

``native``: the server's own tool calling. ``schema``: tools described in the prompt and
the reply constrained by a JSON Schema (``response_format`` or the server's equivalent).
``parse``: tools described in the prompt, the reply parsed, repaired where safe and
validated. ``plain``: no tools involved.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from interlace.protocols import Message, ModelRequest
from interlace.protocols.errors import CapabilityError
from interlace.protocols.openai_wire import request_to_openai

from .decoding import Mode, Outcome
from .kinds import SchemaStyle, ServerProfile
from .prompting import as_text, prompted_request
from .settings import ToolStrategy

Json = dict[str, Any]


def choose_mode(request: ModelRequest, profile: ServerProfile, strategy: ToolStrategy) -> Mode:
    """The path for ``request``; raises :class:`CapabilityError` when there is none."""
    if not request.tools or request.tool_choice == "none":
        return "plain"
    if strategy == "native":
        return "native"
    if strategy == "parse":
        return "parse"
    if strategy == "json_schema" and profile.schema_style is not None:
        return "schema"
    if strategy == "auto":
        forced = request.tool_choice != "auto"
        if profile.named_tool_choice if forced else profile.native_tools:
            return "native"
        if profile.schema_style is not None:
            return "schema"
    raise CapabilityError(
        f"the request has tools but this {profile.kind} server has no tool path with "
        f"tool_strategy={strategy!r}. To fix: {profile.tool_setup or 'enable tool calling'}; "
        "or set tool_strategy: parse (prompt and parse) in the model block"
    )


def _adapt_schema(body: Json, style: SchemaStyle | None) -> None:
    """Rewrite an OpenAI ``response_format`` into the server's own spelling."""
    fmt = body.get("response_format")
    if not isinstance(fmt, dict) or fmt.get("type") != "json_schema" or style is None:
        return
    schema = fmt["json_schema"]["schema"]
    if style == "json_object_schema":
        body["response_format"] = {"type": "json_object", "schema": schema}
    elif style == "tgi_grammar":
        body["response_format"] = {"type": "json", "value": schema}
    elif style == "guided_json":
        del body["response_format"]
        body["guided_json"] = schema


def build_body(
    request: ModelRequest,
    mode: Mode,
    profile: ServerProfile,
    model: str | None,
    extra_body: Mapping[str, Any],
) -> Json:
    """The JSON body of ``POST /chat/completions`` for ``request`` in ``mode``."""
    wire = request
    if mode in ("schema", "parse"):
        wire = prompted_request(request, constrain=mode == "schema")
    elif request.tool_choice == "none" and not profile.honours_tool_choice:
        wire = request.model_copy(update={"tools": (), "tool_choice": "auto"})
    elif not profile.honours_tool_choice and request.tool_choice != "auto":
        wire = request.model_copy(update={"tool_choice": "auto"})
    if not profile.tool_history:
        wire = wire.model_copy(update={"messages": tuple(as_text(m) for m in wire.messages)})
    body = request_to_openai(wire, model)
    _adapt_schema(body, profile.schema_style)
    return {**body, **extra_body}


def with_feedback(request: ModelRequest, outcome: Outcome) -> ModelRequest:
    """``request`` extended with the unusable reply and what was wrong with it."""
    problems = "; ".join(outcome.problems)
    feedback = (
        f"Your previous reply could not be used: {problems}. "
        "Reply again, following the required format and the tool schemas exactly."
    )
    messages = (
        *request.messages,
        Message.assistant(outcome.raw_text or "(empty reply)"),
        Message.user(feedback),
    )
    return request.model_copy(update={"messages": messages})

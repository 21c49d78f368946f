"""A2A shapes to and from the protocol: messages, parts and tasks.

Both directions live here, on A2A 1.0's JSON (the protobuf JSON form:
``{"messageId", "role": "ROLE_USER", "parts": [{"text": ...}]}``), so the A2A client
toolset and the A2A server share one codec and it imports no SDK (the SDK's
``json_format`` turns these dicts into its objects). Lossless for user and assistant
messages whose content is a string or parts with at least one image, audio or document
(text-only parts come back as one string); ``data:`` images and audio travel as raw
bytes, other image URLs as URL parts, embedded documents as text or raw parts with their
URI in the part's metadata, a message's ``name`` in the message's metadata.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from .errors import ProtocolError
from .messages import (
    DATA_URL,
    AudioPart,
    Content,
    ContentPart,
    ImagePart,
    Message,
    ResourcePart,
    TextPart,
    ToolResult,
)

_ROLES = {"user": "ROLE_USER", "assistant": "ROLE_AGENT"}
NAME_KEY = "interlace.dev/name"
DETAIL_KEY = "interlace.dev/detail"
URI_KEY = "interlace.dev/uri"
URL_IMAGE = "image/*"
COMPLETED = "TASK_STATE_COMPLETED"

# --- parts ---------------------------------------------------------------------------------


def parts_to_a2a(content: Content) -> list[dict[str, Any]]:
    """A2A parts: text parts, ``data:`` images as raw bytes, other images as URL parts."""
    if isinstance(content, str):
        return [{"text": content}]
    return [_part(part) for part in content]


def _part(part: ContentPart) -> dict[str, Any]:
    if isinstance(part, TextPart):
        return {"text": part.text}
    if isinstance(part, AudioPart):
        return {"raw": part.data, "mediaType": part.mime_type}
    if isinstance(part, ResourcePart):
        body = {"text": part.text} if part.text is not None else {"raw": part.data}
        kind = {"mediaType": part.mime_type} if part.mime_type else {}
        return {**body, **kind, "metadata": {URI_KEY: part.uri}}
    match = DATA_URL.match(part.url)
    found = {"raw": match["data"], "mediaType": match["mime"]} if match else {}
    data = found or {"url": part.url, "mediaType": URL_IMAGE}
    return {**data, "metadata": {DETAIL_KEY: part.detail}} if part.detail else data


def parts_from_a2a(parts: Sequence[Mapping[str, Any]]) -> Content:
    """Protocol content from A2A parts: one string when all of it is text."""
    found = [_content_part(part) for part in parts]
    if all(isinstance(part, TextPart) for part in found):
        return "\n".join(part.text for part in found if isinstance(part, TextPart))
    return tuple(found)


def _content_part(part: Mapping[str, Any]) -> ContentPart:
    mime = str(part.get("mediaType") or "")
    metadata = part.get("metadata") or {}
    detail = metadata.get(DETAIL_KEY)
    if URI_KEY in metadata and ("text" in part or "raw" in part):
        text, raw = part.get("text"), part.get("raw")
        return ResourcePart(uri=metadata[URI_KEY], mime_type=mime or None, text=text, data=raw)
    if "text" in part:
        return TextPart(text=part["text"])
    if "data" in part:
        return TextPart(text=json.dumps(part["data"], ensure_ascii=False))
    if "url" in part:
        if mime.startswith("image/"):
            return ImagePart(url=part["url"], detail=detail)
        return TextPart(text=f"[file <{part['url']}>{f' ({mime})' if mime else ''}]")
    if "raw" in part and mime.startswith("image/"):
        return ImagePart(url=f"data:{mime};base64,{part['raw']}", detail=detail)
    if "raw" in part and mime.startswith("audio/"):
        return AudioPart(data=part["raw"], mime_type=mime)
    name = part.get("filename") or "file"
    return TextPart(text=f"[file {name} ({mime or 'application/octet-stream'}), not shown]")


def text_of(parts: Sequence[Mapping[str, Any]]) -> str:
    """The text of A2A parts (other parts as their readable notes)."""
    content = parts_from_a2a(parts)
    return content if isinstance(content, str) else Message.user(content).text


# --- messages ------------------------------------------------------------------------------


def message_to_a2a(
    message: Message, message_id: str, metadata: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """An A2A message for a user or assistant message (``metadata`` added to it)."""
    role = _ROLES.get(message.role)
    if role is None or message.tool_calls:
        raise ProtocolError(
            f"an A2A message carries user or assistant text and images, not a {message.role} "
            "message or tool calls"
        )
    extra = dict(metadata or {})
    if message.name is not None:
        extra[NAME_KEY] = message.name
    data = {"messageId": message_id, "role": role, "parts": parts_to_a2a(message.content or "")}
    return {**data, "metadata": extra} if extra else data


def message_from_a2a(data: Mapping[str, Any]) -> Message:
    """The protocol message of an A2A message (agent messages are assistant messages)."""
    role = "assistant" if data.get("role") == "ROLE_AGENT" else "user"
    name = (data.get("metadata") or {}).get(NAME_KEY)
    return Message(role=role, content=parts_from_a2a(data.get("parts") or []), name=name)


# --- tasks and tool results ------------------------------------------------------------------


def state_label(state: str) -> str:
    """``TASK_STATE_INPUT_REQUIRED`` -> ``input-required``."""
    return state.removeprefix("TASK_STATE_").lower().replace("_", "-")


def result_to_a2a(result: ToolResult, task_id: str, context_id: str) -> dict[str, Any]:
    """A finished A2A task for a result: completed with the answer as its artifact, or
    failed with the error as its status message."""
    parts = parts_to_a2a(result.content)
    status: dict[str, Any] = {"state": COMPLETED}
    artifacts = [{"artifactId": "answer", "name": "answer", "parts": parts}]
    if result.is_error:
        message = {"messageId": f"{task_id}-status", "role": "ROLE_AGENT", "parts": parts}
        status, artifacts = {"state": "TASK_STATE_FAILED", "message": message}, []
    return {"id": task_id, "contextId": context_id, "status": status, "artifacts": artifacts}


def result_from_a2a(tool_call_id: str, name: str, response: Mapping[str, Any] | None) -> ToolResult:
    """The tool result of the last A2A ``StreamResponse`` of a send: a direct message, or
    a task (completed: its artifacts; any other end state: an error naming it)."""

    def made(content: Content, is_error: bool = False) -> ToolResult:
        return ToolResult(tool_call_id=tool_call_id, name=name, content=content, is_error=is_error)

    if not response:
        return made("the A2A agent sent no response", True)
    if "message" in response:
        return made(parts_from_a2a(response["message"].get("parts") or []))
    task = response.get("task") or {}
    status = task.get("status") or {}
    note = text_of((status.get("message") or {}).get("parts") or [])
    answer = artifacts_content(task.get("artifacts") or [])
    state = str(status.get("state", "TASK_STATE_UNSPECIFIED"))
    if state == COMPLETED:
        return made(answer or note)
    shown = answer if isinstance(answer, str) else Message.user(answer).text
    return made(
        f"the remote task ended {state_label(state)}: {note or shown or 'no details'}", True
    )


def artifacts_content(artifacts: Sequence[Mapping[str, Any]]) -> Content:
    """The content of a task's artifacts: the text of each (its parts are chunks of one
    text, streamed) on its own line, or all their parts when one is not text."""
    parts = [part for artifact in artifacts for part in artifact.get("parts") or []]
    if not all(_plain_text(part) for part in parts):
        return parts_from_a2a(parts)
    texts = (
        "".join(part["text"] for part in artifact.get("parts") or []) for artifact in artifacts
    )
    return "\n".join(text for text in texts if text)


def _plain_text(part: Mapping[str, Any]) -> bool:
    """Whether an A2A part is text (not an embedded document's text)."""
    return "text" in part and URI_KEY not in (part.get("metadata") or {})

"""MCP shapes onto the protocol: tool definitions to ToolSpecs, call results to ToolResults."""

from __future__ import annotations

import base64
import json
from typing import TYPE_CHECKING, Any

from interlace.protocols import ContentPart, ImagePart, TextPart, ToolCall, ToolResult, ToolSpec

from ..schema import clean_schema

if TYPE_CHECKING:
    import mcp_types


def tool_spec(tool: mcp_types.Tool) -> ToolSpec:
    """The spec of an MCP tool (its input schema kept, titles dropped)."""
    parameters = clean_schema(dict(tool.input_schema), close_objects=False)
    parameters.setdefault("type", "object")
    parameters.setdefault("properties", {})
    return ToolSpec(
        name=tool.name,
        description=tool.description or tool.title or "",
        parameters=parameters,
    )


def tool_result(call: ToolCall, result: mcp_types.CallToolResult) -> ToolResult:
    """Map an MCP ``CallToolResult``: text, images, audio, resources, structured content."""
    parts = [part for block in result.content for part in content_parts(block)]
    structured = result.structured_content
    if structured is not None and not isinstance(structured, dict):
        structured = {"result": structured}
    content: str | tuple[ContentPart, ...]
    if all(isinstance(part, TextPart) for part in parts):
        content = "\n".join(part.text for part in parts if isinstance(part, TextPart))
        if not content and result.structured_content is not None:
            content = json.dumps(result.structured_content, ensure_ascii=False)
    else:
        content = tuple(parts)
    return ToolResult(
        tool_call_id=call.id,
        name=call.name,
        content=content,
        is_error=result.is_error,
        structured=structured,
    )


def content_parts(block: Any) -> list[ContentPart]:
    """One MCP content block as protocol content parts."""
    kind = getattr(block, "type", None)
    if kind == "text":
        return [TextPart(text=block.text)]
    if kind == "image":
        return [ImagePart(url=f"data:{block.mime_type};base64,{block.data}")]
    if kind == "audio":
        size = len(base64.b64decode(block.data, validate=False))
        return [TextPart(text=f"[audio {block.mime_type}, {size} bytes, not shown]")]
    if kind == "resource":
        return _resource_parts(block.resource)
    if kind == "resource_link":
        about = f": {block.description}" if block.description else ""
        return [TextPart(text=f"[resource link {block.name} <{block.uri}>{about}]")]
    return [TextPart(text=f"[unsupported MCP content of type {kind!r}]")]


def _resource_parts(resource: Any) -> list[ContentPart]:
    mime = resource.mime_type or "application/octet-stream"
    text = getattr(resource, "text", None)
    if text is not None:
        return [TextPart(text=f"[resource <{resource.uri}> ({mime})]\n{text}")]
    blob: str = resource.blob
    if mime.startswith("image/"):
        return [ImagePart(url=f"data:{mime};base64,{blob}")]
    size = len(base64.b64decode(blob, validate=False))
    return [TextPart(text=f"[binary resource <{resource.uri}> ({mime}), {size} bytes, not shown]")]

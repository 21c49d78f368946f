"""MCP shapes to and from the protocol: tools, content blocks and tool results.

Both directions live here, on MCP's JSON (``inputSchema``, ``structuredContent``,
``isError``, ``{"type": "text", ...}`` blocks), so the MCP client toolset and the MCP
server share one codec and it imports no SDK. Lossless for the protocol's own shapes:
a result whose content is a string, or parts with at least one image, audio or embedded
document (text-only parts come back as one string; image URLs that are not ``data:``
travel as resource links marked as images). Audio blocks are audio parts, embedded
resources (text or blob) resource parts; a plain resource link, which the protocol has
no part for, becomes a readable text part.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from .messages import (
    DATA_URL,
    AudioPart,
    Content,
    ContentPart,
    ImagePart,
    ResourcePart,
    TextPart,
    ToolResult,
    ToolSpec,
)

IMAGE_KEY = "interlace.dev/image"
DETAIL_KEY = "interlace.dev/detail"

# --- tools ---------------------------------------------------------------------------------


def tool_to_mcp(spec: ToolSpec) -> dict[str, Any]:
    """An MCP tool definition for a spec (its JSON Schema unchanged)."""
    return {"name": spec.name, "description": spec.description, "inputSchema": spec.parameters}


def tool_from_mcp(tool: Mapping[str, Any]) -> ToolSpec:
    """The spec of an MCP tool definition (the description falls back to its title)."""
    parameters = dict(tool.get("inputSchema") or {})
    parameters.setdefault("type", "object")
    parameters.setdefault("properties", {})
    description = tool.get("description") or tool.get("title") or ""
    return ToolSpec(name=tool["name"], description=description, parameters=parameters)


# --- content -------------------------------------------------------------------------------


def content_to_mcp(content: Content) -> list[dict[str, Any]]:
    """MCP content blocks: text, audio and embedded-resource blocks for those parts,
    ``data:`` images as image blocks, other image URLs as resource links marked as images."""
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    return [_part_block(part) for part in content]


def _part_block(part: ContentPart) -> dict[str, Any]:
    if isinstance(part, TextPart):
        return {"type": "text", "text": part.text}
    if isinstance(part, AudioPart):
        return {"type": "audio", "data": part.data, "mimeType": part.mime_type}
    if isinstance(part, ResourcePart):
        return {"type": "resource", "resource": resource_to_mcp(part)}
    meta: dict[str, Any] = {DETAIL_KEY: part.detail} if part.detail else {}
    match = DATA_URL.match(part.url)
    if match is not None:
        block = {"type": "image", "data": match["data"], "mimeType": match["mime"]}
    else:
        name = part.url.rsplit("/", 1)[-1] or "image"
        block = {"type": "resource_link", "uri": part.url, "name": name}
        meta[IMAGE_KEY] = True
    return {**block, "_meta": meta} if meta else block


def content_from_mcp(blocks: Sequence[Mapping[str, Any]]) -> Content:
    """Protocol content from MCP blocks: one string when all of it is text."""
    parts = [part for block in blocks for part in content_parts(block)]
    if all(isinstance(part, TextPart) for part in parts):
        return "\n".join(part.text for part in parts if isinstance(part, TextPart))
    return tuple(parts)


def content_parts(block: Mapping[str, Any]) -> list[ContentPart]:
    """One MCP content block as protocol content parts."""
    kind = block.get("type")
    meta = block.get("_meta") or {}
    detail = meta.get(DETAIL_KEY)
    if kind == "text":
        return [TextPart(text=block["text"])]
    if kind == "image":
        return [ImagePart(url=f"data:{block['mimeType']};base64,{block['data']}", detail=detail)]
    if kind == "resource_link" and meta.get(IMAGE_KEY):
        return [ImagePart(url=block["uri"], detail=detail)]
    if kind == "audio":
        return [AudioPart(data=block["data"], mime_type=block["mimeType"])]
    if kind == "resource":
        return [resource_from_mcp(block["resource"])]
    if kind == "resource_link":
        about = f": {block['description']}" if block.get("description") else ""
        return [TextPart(text=f"[resource link {block['name']} <{block['uri']}>{about}]")]
    return [TextPart(text=f"[unsupported MCP content of type {kind!r}]")]


def resource_to_mcp(part: ResourcePart) -> dict[str, Any]:
    """MCP text or blob resource contents (``uri``, ``mimeType``, ``text`` | ``blob``)."""
    data: dict[str, Any] = {"uri": part.uri}
    if part.mime_type is not None:
        data["mimeType"] = part.mime_type
    if part.text is not None:
        return {**data, "text": part.text}
    return {**data, "blob": part.data}


def resource_from_mcp(resource: Mapping[str, Any]) -> ResourcePart:
    """The resource part of MCP text or blob resource contents."""
    return ResourcePart(
        uri=resource["uri"],
        mime_type=resource.get("mimeType"),
        text=resource.get("text"),
        data=resource.get("blob") if resource.get("text") is None else None,
    )


# --- tool results --------------------------------------------------------------------------


def result_to_mcp(result: ToolResult) -> dict[str, Any]:
    """An MCP ``CallToolResult``: content blocks, structured content, ``isError``."""
    blocks = content_to_mcp(result.content)
    if not blocks and result.structured is not None:
        blocks = [{"type": "text", "text": json.dumps(result.structured, ensure_ascii=False)}]
    data: dict[str, Any] = {"content": blocks, "isError": result.is_error}
    if result.structured is not None:
        data["structuredContent"] = result.structured
    return data


def result_from_mcp(tool_call_id: str, name: str, result: Mapping[str, Any]) -> ToolResult:
    """The tool result of an MCP ``CallToolResult`` answering call ``tool_call_id``."""
    content = content_from_mcp(result.get("content") or [])
    raw = result.get("structuredContent")
    structured = raw if raw is None or isinstance(raw, dict) else {"result": raw}
    if content == "" and raw is not None:
        content = json.dumps(raw, ensure_ascii=False)
    return ToolResult(
        tool_call_id=tool_call_id,
        name=name,
        content=content,
        is_error=bool(result.get("isError")),
        structured=structured,
    )


def error_to_mcp(message: str) -> dict[str, Any]:
    """A failed call the client (and its model) can read."""
    return {"content": [{"type": "text", "text": message}], "isError": True}

"""Protocol tool results as MCP content: text, images (data URLs), structured content."""

from __future__ import annotations

import json
import re
from typing import Any

import mcp_types as types

from interlace.protocols import ImagePart, TextPart, ToolResult
from interlace.protocols.catalog import PromptResult, ResourceContents

_DATA_URL = re.compile(r"^data:(?P<mime>[\w.+-]+/[\w.+-]+);base64,(?P<data>.*)$", re.DOTALL)


def content_blocks(result: ToolResult) -> list[Any]:
    """The MCP content blocks of a tool result.

    Text parts become text blocks, ``data:`` image URLs image blocks; other image URLs
    become resource links the client can fetch.
    """
    if isinstance(result.content, str):
        return [types.TextContent(text=result.content)]
    blocks: list[Any] = []
    for part in result.content:
        if isinstance(part, TextPart):
            blocks.append(types.TextContent(text=part.text))
        elif isinstance(part, ImagePart):
            blocks.append(_image_block(part))
    return blocks


def _image_block(part: ImagePart) -> Any:
    match = _DATA_URL.match(part.url)
    if match is not None:
        return types.ImageContent(data=match["data"], mime_type=match["mime"])
    return types.ResourceLink(uri=part.url, name=part.url.rsplit("/", 1)[-1] or "image")


def call_result(result: ToolResult) -> types.CallToolResult:
    """An MCP ``CallToolResult`` for a protocol tool result."""
    blocks = content_blocks(result)
    if not blocks and result.structured is not None:
        blocks = [types.TextContent(text=json.dumps(result.structured, ensure_ascii=False))]
    return types.CallToolResult(
        content=blocks, structured_content=result.structured, is_error=result.is_error
    )


def error_result(message: str) -> types.CallToolResult:
    """A failed call the client (and its model) can read."""
    return types.CallToolResult(content=[types.TextContent(text=message)], is_error=True)


def resource_contents(item: ResourceContents) -> Any:
    """MCP text or blob resource contents."""
    if item.text is not None:
        return types.TextResourceContents(uri=item.uri, mime_type=item.mime_type, text=item.text)
    return types.BlobResourceContents(uri=item.uri, mime_type=item.mime_type, blob=item.data or "")


def prompt_result(result: PromptResult) -> types.GetPromptResult:
    """An MCP ``GetPromptResult``: one prompt message per content block of each message."""
    messages = []
    for message in result.messages:
        role = "assistant" if message.role == "assistant" else "user"
        content = message.content if message.content is not None else ""
        for block in content_blocks(ToolResult(tool_call_id="-", name="-", content=content)):
            messages.append(types.PromptMessage(role=role, content=block))
    return types.GetPromptResult(description=result.description or None, messages=messages)

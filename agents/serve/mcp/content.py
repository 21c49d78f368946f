"""Protocol results as the MCP SDK's objects, through the one MCP codec
(:mod:`interlace.protocols.mcp_wire`): tool results, resources and prompts."""

from __future__ import annotations

import mcp_types as types

from interlace.protocols import ToolResult
from interlace.protocols.catalog import PromptResult, ResourceContents
from interlace.protocols.mcp_wire import (
    content_to_mcp,
    error_to_mcp,
    resource_to_mcp,
    result_to_mcp,
)


def call_result(result: ToolResult) -> types.CallToolResult:
    """An MCP ``CallToolResult`` for a protocol tool result."""
    return types.CallToolResult.model_validate(result_to_mcp(result))


def error_result(message: str) -> types.CallToolResult:
    """A failed call the client (and its model) can read."""
    return types.CallToolResult.model_validate(error_to_mcp(message))


def resource_contents(
    item: ResourceContents,
) -> types.TextResourceContents | types.BlobResourceContents:
    """MCP text or blob resource contents."""
    wire = resource_to_mcp(item)
    if item.text is not None:
        return types.TextResourceContents.model_validate(wire)
    return types.BlobResourceContents.model_validate(wire)


def prompt_result(result: PromptResult) -> types.GetPromptResult:
    """An MCP ``GetPromptResult``: one prompt message per content block of each message."""
    messages = [
        types.PromptMessage.model_validate(
            {"role": "assistant" if message.role == "assistant" else "user", "content": block}
        )
        for message in result.messages
        for block in content_to_mcp(message.content if message.content is not None else "")
    ]
    return types.GetPromptResult(description=result.description or None, messages=messages)

"""MCP SDK objects onto the protocol, through the one MCP codec
(:mod:`interlace.protocols.mcp_wire`): the SDK's models are dumped to MCP's JSON first."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from interlace.protocols import ToolCall, ToolResult, ToolSpec
from interlace.protocols.mcp_wire import result_from_mcp, tool_from_mcp

from ..schema import clean_schema

if TYPE_CHECKING:
    import mcp_types


def wire(model: Any) -> dict[str, Any]:
    """An MCP SDK model as MCP's JSON."""
    data: dict[str, Any] = model.model_dump(by_alias=True, exclude_none=True, mode="json")
    return data


def tool_spec(tool: mcp_types.Tool) -> ToolSpec:
    """The spec of an MCP tool (its input schema kept, titles dropped)."""
    spec = tool_from_mcp(wire(tool))
    parameters = clean_schema(spec.parameters, close_objects=False)
    return spec.model_copy(update={"parameters": parameters})


def tool_result(call: ToolCall, result: mcp_types.CallToolResult) -> ToolResult:
    """The tool result of an MCP ``CallToolResult`` answering ``call``."""
    return result_from_mcp(call.id, call.name, wire(result))

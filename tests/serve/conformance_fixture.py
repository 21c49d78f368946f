"""The scenario tools the MCP conformance suite calls, as an interlace Toolset.

Names follow the python-sdk's everything-server. Only what the protocol's ToolResult can
express is here; the rest is listed, with reasons, in mcp_conformance_baseline.yml.
"""

from __future__ import annotations

from collections.abc import Sequence

from interlace.protocols import ImagePart, TextPart, ToolCall, ToolResult, ToolSpec
from interlace.tools.base import Toolset

# a 1x1 red PNG
RED_PIXEL = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIA"
    "X8jx0gAAAABJRU5ErkJggg=="
)
NO_ARGUMENTS = {"type": "object", "properties": {}, "additionalProperties": False}
SCHEMA_2020_12 = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "$defs": {
        "address": {
            "type": "object",
            "properties": {"street": {"type": "string"}, "city": {"type": "string"}},
        }
    },
    "properties": {"name": {"type": "string"}, "address": {"$ref": "#/$defs/address"}},
    "additionalProperties": False,
}


class ConformanceToolset(Toolset):
    """test_simple_text, test_image_content, test_error_handling, json_schema_2020_12_tool."""

    async def list_tools(self) -> Sequence[ToolSpec]:
        return [
            ToolSpec(name="test_simple_text", description="Returns text.", parameters=NO_ARGUMENTS),
            ToolSpec(
                name="test_image_content", description="Returns an image.", parameters=NO_ARGUMENTS
            ),
            ToolSpec(
                name="test_error_handling", description="Always fails.", parameters=NO_ARGUMENTS
            ),
            ToolSpec(
                name="json_schema_2020_12_tool",
                description="Takes arguments described with JSON Schema 2020-12.",
                parameters=SCHEMA_2020_12,
            ),
        ]

    async def call(self, call: ToolCall) -> ToolResult:
        def result(
            content: str | tuple[TextPart | ImagePart, ...], is_error: bool = False
        ) -> ToolResult:
            return ToolResult(
                tool_call_id=call.id, name=call.name, content=content, is_error=is_error
            )

        if call.name == "test_simple_text":
            return result("This is a simple text response for testing.")
        if call.name == "test_image_content":
            return result((ImagePart(url=f"data:image/png;base64,{RED_PIXEL}"),))
        if call.name == "test_error_handling":
            return result("This tool intentionally returns an error for testing", is_error=True)
        if call.name == "json_schema_2020_12_tool":
            return result(f"received {sorted(call.arguments)}")
        return result(f"unknown tool {call.name!r}", is_error=True)

from __future__ import annotations

import subprocess
import sys

import pytest
from pydantic import ValidationError

from interlace.protocols import (
    ImagePart,
    Message,
    ProtocolError,
    TextPart,
    ToolCall,
    ToolResult,
    Usage,
)


def test_role_rules_are_enforced() -> None:
    with pytest.raises(ProtocolError, match="only assistant messages carry tool_calls"):
        Message(role="user", content="x", tool_calls=(ToolCall(id="1", name="f"),))
    with pytest.raises(ProtocolError, match="needs the tool_call_id"):
        Message(role="tool", content="x")
    with pytest.raises(ProtocolError, match="belongs on tool messages"):
        Message(role="user", content="x", tool_call_id="1")


def test_text_joins_text_parts_only() -> None:
    message = Message.user(
        (TextPart(text="a"), ImagePart(url="https://x/y.png"), TextPart(text="b"))
    )
    assert message.text == "ab"
    assert Message.assistant(None, (ToolCall(id="1", name="f"),)).text == ""


def test_tool_result_becomes_a_tool_message() -> None:
    result = ToolResult(tool_call_id="c1", name="add", content="3")
    assert result.to_message() == Message.tool("c1", "3", name="add")


def test_usage_adds_up() -> None:
    total = Usage(input_tokens=2, output_tokens=3) + Usage(input_tokens=1, output_tokens=1)
    assert (total.input_tokens, total.output_tokens, total.total_tokens) == (3, 4, 7)


def test_messages_are_frozen() -> None:
    message = Message.user("hi")
    with pytest.raises(ValidationError, match="frozen"):
        message.content = "other"  # type: ignore[misc]


HEAVY = ["torch", "llama_cpp", "chromadb", "litellm", "langgraph", "sentence_transformers", "httpx"]


def test_importing_the_protocol_pulls_in_nothing_heavy() -> None:
    """The import time itself is measured by bench/import_time.py, not asserted here."""
    code = (
        "import sys; import interlace.protocols; import interlace.protocols.openai_wire; "
        "import interlace.runtimes; "
        f"print([m for m in {HEAVY!r} if m in sys.modules])"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert output.stdout.strip() == "[]"

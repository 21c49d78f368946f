"""Tools for the scale tests: each call is recorded (in this process, and in the file
named by ``$SCALE_TOOL_LOG`` when set), so a test can count side effects across processes."""

from __future__ import annotations

import os

from interlace.tools import tool

CALLS: list[str] = []


def _note(line: str) -> None:
    CALLS.append(line)
    path = os.environ.get("SCALE_TOOL_LOG")
    if path:
        with open(path, "a", encoding="utf-8") as log:
            log.write(line + "\n")


@tool
def record(text: str) -> str:
    """Record ``text`` once (a side effect a failover must not repeat).

    Args:
        text: what to record
    """
    _note(text)
    return f"recorded {text}"


@tool(requires_approval=True)
def publish(text: str) -> str:
    """Publish ``text`` (needs a human's approval first).

    Args:
        text: what to publish
    """
    _note(f"published {text} by {os.getpid()}")
    return f"published {text}"

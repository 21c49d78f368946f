"""Tools for the scale tests: each call is recorded, so a test can count side effects."""

from __future__ import annotations

from interlace.tools import tool

CALLS: list[str] = []


@tool
def record(text: str) -> str:
    """Record ``text`` once (a side effect a failover must not repeat).

    Args:
        text: what to record
    """
    CALLS.append(text)
    return f"recorded {text}"


@tool(requires_approval=True)
def publish(text: str) -> str:
    """Publish ``text`` (needs a human's approval first).

    Args:
        text: what to publish
    """
    CALLS.append(f"published {text}")
    return f"published {text}"

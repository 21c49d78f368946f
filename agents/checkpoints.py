"""Checkpointers: SQLite on disk or in memory, with interlace's types registered."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

_memory: Any = None


def checkpoint_types() -> list[type[Any]]:
    """The interlace types that appear in checkpointed state and interrupts."""
    from interlace.protocols import ImagePart, Message, TextPart, ToolCall, ToolResult, Usage

    from .events import ApprovalRequest, Decision
    from .planners.plan_execute import Plan
    from .state import Stop

    return [
        ApprovalRequest,
        Decision,
        ImagePart,
        Message,
        Plan,
        Stop,
        TextPart,
        ToolCall,
        ToolResult,
        Usage,
    ]


def serializer() -> Any:
    """LangGraph's serializer with interlace's types allowed (restores without warnings)."""
    from langgraph.checkpoint.serde import _msgpack
    from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer

    allowed: set[tuple[str, ...]] = {
        (kind.__module__, kind.__qualname__) for kind in checkpoint_types()
    }
    allowed |= set(_msgpack.SAFE_MSGPACK_TYPES)
    return JsonPlusSerializer(allowed_msgpack_modules=sorted(allowed))


def register_types(checkpointer: Any) -> Any:
    """Give a LangGraph checkpointer the interlace serializer; returns it."""
    from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer

    if isinstance(getattr(checkpointer, "serde", None), JsonPlusSerializer):
        checkpointer.serde = serializer()
    return checkpointer


def memory_checkpointer() -> Any:
    """The process-wide in-memory checkpointer (used when a thread id but no
    checkpointer is given, so ``resume`` works within the process)."""
    global _memory
    if _memory is None:
        from langgraph.checkpoint.memory import InMemorySaver

        _memory = InMemorySaver(serde=serializer())
    return _memory


@asynccontextmanager
async def sqlite_checkpointer(path: str | Path) -> AsyncIterator[Any]:
    """An SQLite checkpointer on ``path`` (created if missing), open for the block."""
    import aiosqlite
    from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

    Path(path).parent.mkdir(parents=True, exist_ok=True)
    async with aiosqlite.connect(str(path)) as connection:
        saver = AsyncSqliteSaver(connection, serde=serializer())
        await saver.setup()
        yield saver

"""Checkpointers: SQLite on disk or in memory, with interlace's types registered."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

_memory: Any = None


def checkpoint_types() -> list[type[Any]]:
    """The interlace types every run's state and interrupts may hold (planners declare
    their own on top: ``Planner.checkpoint_types``)."""
    from interlace.protocols import (
        AudioPart,
        ImagePart,
        Message,
        ResourcePart,
        TextPart,
        ToolCall,
        ToolResult,
        Usage,
    )

    from .events import ApprovalRequest, Decision
    from .state import Stop

    return [
        ApprovalRequest,
        AudioPart,
        Decision,
        ImagePart,
        Message,
        ResourcePart,
        Stop,
        TextPart,
        ToolCall,
        ToolResult,
        Usage,
    ]


def _keys(kinds: Iterable[type[Any]]) -> set[tuple[str, ...]]:
    return {(kind.__module__, kind.__qualname__) for kind in kinds}


def serializer(extra: Iterable[type[Any]] = ()) -> Any:
    """LangGraph's serializer with interlace's types (and ``extra``) allowed, so state
    restores without warnings; messages are encoded once each (see :mod:`.encoding`)."""
    from langgraph.checkpoint.serde import _msgpack

    from .encoding import MessageCachingSerializer

    allowed = _keys(checkpoint_types()) | _keys(extra) | set(_msgpack.SAFE_MSGPACK_TYPES)
    serde = MessageCachingSerializer(allowed_msgpack_modules=sorted(allowed))
    serde._interlace = True  # type: ignore[attr-defined]  # ours: extend, do not replace
    return serde


def register_types(checkpointer: Any, extra: Iterable[type[Any]] = ()) -> Any:
    """Let a LangGraph checkpointer restore interlace's types and ``extra`` (a unit's
    :meth:`~interlace.agents.units.Unit.checkpoint_types`); returns it."""
    from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer

    serde = getattr(checkpointer, "serde", None)
    if not isinstance(serde, JsonPlusSerializer):
        return checkpointer
    if getattr(serde, "_interlace", False):
        checkpointer.serde = serde.with_msgpack_allowlist(sorted(_keys(extra)))
    else:
        checkpointer.serde = serializer(extra)
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

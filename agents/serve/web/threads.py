"""Threads from the checkpoint store: the list the page shows, and one thread's history.

Read through LangGraph's checkpointer interface (``alist``, ``aget_tuple``), so any saver
the runner accepts works: the in-memory one, SQLite, or a saver passed in.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio

from interlace.protocols import Message

MAX_THREADS = 200
TITLE_CHARS = 80
INTERRUPT_CHANNEL = "__interrupt__"  # langgraph.constants.INTERRUPT


@asynccontextmanager
async def open_saver(checkpointer: Any) -> AsyncIterator[Any]:
    """The saver that ``checkpointer`` names, as the runner opens it (``None`` when an
    SQLite file does not exist yet: there are no threads)."""
    from interlace.agents.checkpointers import CheckpointStore
    from interlace.agents.checkpoints import (
        memory_checkpointer,
        register_types,
        sqlite_checkpointer,
    )

    if isinstance(checkpointer, CheckpointStore):
        async with checkpointer.open() as saver:
            yield register_types(saver)
    elif isinstance(checkpointer, str | Path):
        if not await anyio.Path(checkpointer).exists():
            yield None
            return
        async with sqlite_checkpointer(checkpointer) as saver:
            yield saver
    elif checkpointer is None:
        yield memory_checkpointer()
    else:
        yield register_types(checkpointer)


async def list_threads(checkpointer: Any, limit: int = MAX_THREADS) -> list[dict[str, Any]]:
    """The newest ``limit`` threads: id, agent, title (first question), time, size."""
    latest: dict[str, Any] = {}
    async with open_saver(checkpointer) as saver:
        if saver is None:
            return []
        async for item in saver.alist(None):
            configurable = item.config["configurable"]
            thread_id = str(configurable.get("thread_id", ""))
            if configurable.get("checkpoint_ns"):
                continue  # a subgraph's checkpoint
            current = latest.get(thread_id)
            if current is None or item.checkpoint["ts"] > current.checkpoint["ts"]:
                latest[thread_id] = item
    summaries = [_summary(thread_id, item) for thread_id, item in latest.items()]
    summaries.sort(key=lambda summary: summary["updated"], reverse=True)
    return summaries[:limit]


async def thread_detail(checkpointer: Any, thread_id: str) -> dict[str, Any] | None:
    """One thread's conversation and the tool calls it waits on (``None``: no such thread)."""
    config = {"configurable": {"thread_id": thread_id, "checkpoint_ns": ""}}
    async with open_saver(checkpointer) as saver:
        item = await saver.aget_tuple(config) if saver is not None else None
    if item is None:
        return None
    return {
        **_summary(thread_id, item),
        "messages": [message.model_dump(mode="json") for message in _messages(item)],
        "pending": [request.model_dump(mode="json") for request in _pending(item)],
    }


def _messages(item: Any) -> list[Message]:
    values = item.checkpoint.get("channel_values", {})
    return [m for m in values.get("messages", []) if isinstance(m, Message)]


def _pending(item: Any) -> list[Any]:
    from interlace.agents.events import ApprovalRequest

    requests = []
    for _, channel, value in item.pending_writes or ():
        if channel != INTERRUPT_CHANNEL:
            continue
        for interrupt in value if isinstance(value, list) else [value]:
            request = getattr(interrupt, "value", None)
            if isinstance(request, ApprovalRequest):
                requests.append(request.model_copy(update={"interrupt_id": interrupt.id}))
    return requests


def _summary(thread_id: str, item: Any) -> dict[str, Any]:
    from interlace.agents.runner import UNIT_KEY

    messages = _messages(item)
    question = next((m.text for m in messages if m.role == "user"), "")
    title = " ".join(question.split())
    if len(title) > TITLE_CHARS:
        title = title[: TITLE_CHARS - 1] + "…"
    return {
        "id": thread_id,
        "agent": (item.metadata or {}).get(UNIT_KEY),
        "title": title or "(no question yet)",
        "updated": item.checkpoint["ts"],
        "message_count": len(messages),
        "waiting": bool(_pending(item)),
    }

"""Where conversation threads are kept: one registry of checkpointer kinds.

``checkpoints:`` in a config names one: ``memory`` (the default), an SQLite file
(``checkpoints: runs.sqlite`` or ``{path: runs.sqlite}``), or a server by URL
(``checkpoints: postgres://user@host/db``). A registration's target opens a LangGraph
saver for one run (``target(options)`` is an async context manager); its metadata tells
generic code what it needs: ``options`` (the options model), ``url_schemes`` (URL schemes
that name this kind), ``paths`` (options holding paths, resolved against the config's
folder) and ``endpoints`` (``endpoints(options) -> list[str]``: servers it connects to,
which ``offline: strict`` refuses unless they are loopback or in ``offline.allow``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from interlace.plugins.registry import Registry
from interlace.protocols.errors import ConfigError

Opener = Callable[[Any], AbstractAsyncContextManager[Any]]

CHECKPOINTERS: Registry[Opener] = Registry(
    "checkpointer",
    "register_checkpointers",
    error=ConfigError,
    lazy=("options", "endpoints"),
    hint="plugins add checkpointers through the register_checkpointers hook",
)
register_checkpointer = CHECKPOINTERS.register

DEFAULT_FILE_KIND = "sqlite"
"""The kind of a bare path (``checkpoints: runs.sqlite``) and of a block without ``type``."""


@dataclass(frozen=True)
class CheckpointStore:
    """A configured checkpointer: its kind and validated options. ``open()`` gives a
    LangGraph saver for one run; the runner opens it per run and closes it after."""

    kind: str
    options: BaseModel

    def open(self) -> AbstractAsyncContextManager[Any]:
        """The saver, as an async context manager."""
        return CHECKPOINTERS.get(self.kind)(self.options)


def shorthand(value: str) -> dict[str, Any]:
    """The block a string means: a URL (by its scheme), a kind's name, or a file path."""
    scheme, sep, _ = value.partition("://")
    if sep:
        for name, entry in CHECKPOINTERS.entries().items():
            if scheme.lower() in entry.get("url_schemes", ()):
                return {"type": name, "url": value}
        known = sorted(
            s for e in CHECKPOINTERS.entries().values() for s in e.get("url_schemes", ())
        )
        raise ConfigError(
            f"no checkpointer takes {scheme}:// URLs (known: {', '.join(known) or 'none'}); "
            "write a file path for SQLite, or memory"
        )
    if value in CHECKPOINTERS:
        return {"type": value}
    return {"type": DEFAULT_FILE_KIND, "path": value}


# --- the built-in kinds ------------------------------------------------------------------


class MemoryOptions(BaseModel):
    """``checkpoints: memory``: threads live in this process only."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class SqliteOptions(BaseModel):
    """``checkpoints: {path: FILE}``: threads in an SQLite file on this machine."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    path: Path


@asynccontextmanager
async def open_memory(options: MemoryOptions) -> AsyncIterator[Any]:
    """The process-wide in-memory saver."""
    from .checkpoints import memory_checkpointer

    yield memory_checkpointer()


def open_sqlite(options: SqliteOptions) -> AbstractAsyncContextManager[Any]:
    """An SQLite saver on ``options.path`` for one run."""
    from .checkpoints import sqlite_checkpointer

    return sqlite_checkpointer(options.path)

"""Uploads: a file sent by the page is kept under the upload folder and ingested with the
same idempotent ingestion as ``interlace ingest`` (an unchanged file is skipped, an
unusable one is reported with its reason)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio

from interlace.protocols.errors import UsageError

MAX_NAME_BYTES = 200


class TooLarge(UsageError):
    """An uploaded file is larger than the store accepts."""


def safe_name(name: str | None) -> str:
    """``name`` if it is a plain file name the upload folder can hold, else a usage error."""
    if not name or name != Path(name).name or "\\" in name or "\x00" in name:
        raise UsageError(
            f"upload name {name!r} must be a plain file name (no folders), e.g. notes.md"
        )
    if name.startswith(".") or len(name.encode()) > MAX_NAME_BYTES:
        raise UsageError(
            f"upload name {name!r} must not start with '.' and must be at most "
            f"{MAX_NAME_BYTES} bytes long"
        )
    return name


async def save_upload(chunks: AsyncIterator[bytes], folder: Path, name: str, limit: int) -> Path:
    """Write the body to ``folder/name`` (atomically); :class:`TooLarge` past ``limit``."""
    await anyio.Path(folder).mkdir(parents=True, exist_ok=True)
    target = folder / name
    partial = anyio.Path(folder / f".{name}.{uuid.uuid4().hex}.part")
    size = 0
    try:
        async with await anyio.open_file(partial, "wb") as out:
            async for chunk in chunks:
                size += len(chunk)
                if size > limit:
                    raise TooLarge(
                        f"{name} is larger than this store accepts ({limit} bytes; raise "
                        "chunking.max_file_bytes in the store's settings)"
                    )
                await out.write(chunk)
        await partial.replace(target)
    finally:
        await partial.unlink(missing_ok=True)
    return target


def ingest_file(store: Any, path: Path) -> dict[str, Any]:
    """Ingest one file; the outcome the page lists: ``status`` (added, updated,
    unchanged or skipped), ``reason`` for a skipped file, and the chunk counts."""
    from interlace.tools.retrieval import ingest_paths

    report = ingest_paths(store, [path], progress=False)
    status, reason = "unchanged", ""
    if report.skipped:
        status, reason = "skipped", report.skipped[0].reason
    elif report.added:
        status = "added"
    elif report.updated:
        status = "updated"
    return {
        "file": path.name,
        "status": status,
        "reason": reason,
        "chunks_added": report.chunks_added,
        "chunks_removed": report.chunks_removed,
        "summary": report.summary(),
    }

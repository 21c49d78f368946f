"""What the last ingest left in an embedded store, so that a rerun with nothing to do
needs neither Chroma nor the embedder.

When ``ingest_paths`` ends, ``<store path>/interlace-<collection>.ingest.json`` records
the embedder, the chunking fingerprint and, per file, the sha256 of the bytes it ingested
(for a skipped file: its size, modification time and the reason). Every write to the
store deletes the record first (see ``VectorStore``), so a record that exists describes
the store exactly; an ingest that crashed half-way leaves none.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .settings import StoreSettings

FORMAT = 1


@dataclass(frozen=True)
class FileState:
    """One file as the last ingest saw it: ingested (``sha``) or skipped (``reason``)."""

    sha: str | None = None
    stat: tuple[int, int] | None = None
    reason: str | None = None


@dataclass(frozen=True)
class Manifest:
    """The record of one store: embedder, chunking fingerprint and files by source."""

    embedder: str
    fingerprint: str
    files: dict[str, FileState]


def manifest_path(settings: StoreSettings) -> Path | None:
    """Where the record of an embedded store lives; ``None`` for a Chroma server, whose
    contents other clients may change at any time."""
    if settings.mode != "persistent":
        return None
    return settings.path / f"interlace-{settings.collection}.ingest.json"


def file_stat(path: Path) -> tuple[int, int]:
    """``(size, mtime_ns)`` of ``path``."""
    found = path.stat()
    return found.st_size, found.st_mtime_ns


def invalidate(settings: StoreSettings) -> None:
    """Forget the record: the store is about to change."""
    path = manifest_path(settings)
    if path is not None:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def write(settings: StoreSettings, manifest: Manifest) -> None:
    """Record ``manifest`` atomically (a reader sees the old record or the new one)."""
    path = manifest_path(settings)
    if path is None or not path.parent.is_dir():
        return
    data = {"format": FORMAT, **asdict(manifest)}
    with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, suffix=".tmp") as out:
        json.dump(data, out)
    os.replace(out.name, path)


def read(settings: StoreSettings) -> Manifest | None:
    """The record, or ``None`` when there is none (or it cannot be read)."""
    path = manifest_path(settings)
    try:
        data: dict[str, Any] = json.loads(path.read_text()) if path is not None else {}
        if data.get("format") != FORMAT:
            return None
        files = {
            source: FileState(
                state.get("sha"),
                tuple(state["stat"]) if state.get("stat") else None,
                state.get("reason"),
            )
            for source, state in data["files"].items()
        }
        return Manifest(str(data["embedder"]), str(data["fingerprint"]), files)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None

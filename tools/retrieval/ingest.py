"""Ingest files and folders into a store, idempotently and safely against crashes.

Every chunk carries its file's sha256, the chunking fingerprint and the file's chunk
count; chunk ids are content hashes. A file whose chunks are all present with the current
hash is skipped; otherwise missing chunks are added and stale ones removed. So a rerun
after a crash (or an edit, or a deletion) ends with exactly the chunks a fresh ingest
would produce.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from interlace.protocols.errors import ConfigError, UsageError

from . import manifest
from .chunking import Chunk, chunk_document
from .loaders import Document, SkipFile, load_file
from .manifest import FileState
from .settings import StoreSettings
from .store import TextEmbedder, VectorStore
from .walk import walk

CHUNKER_VERSION = "2"
FLUSH_CHUNKS = 256


@dataclass(frozen=True)
class SkippedFile:
    """A file left out, with the reason."""

    path: str
    reason: str


@dataclass
class IngestReport:
    """What an ingestion changed. ``skipped`` lists files that were left out and why."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)
    chunks_added: int = 0
    chunks_removed: int = 0

    def summary(self) -> str:
        """One line for people."""
        return (
            f"{len(self.added)} added, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged, {len(self.removed)} removed, "
            f"{len(self.skipped)} skipped files; +{self.chunks_added} -{self.chunks_removed} "
            "chunks"
        )

    def warnings(self) -> list[str]:
        """One line per skipped file."""
        return [f"skipped {s.path}: {s.reason}" for s in self.skipped]


@dataclass
class _Stored:
    """What the store holds for one source file."""

    ids: set[str] = field(default_factory=set)
    versions: set[tuple[str, str]] = field(default_factory=set)
    expected: int = -1

    def complete(self, fingerprint: str) -> bool:
        """All its chunks are there, of one file version, chunked as ``fingerprint`` says."""
        if len(self.versions) != 1 or len(self.ids) != self.expected:
            return False
        return next(iter(self.versions))[1] == fingerprint


def ingest_paths(
    store: VectorStore,
    paths: Sequence[str | os.PathLike[str]],
    *,
    progress: bool = True,
    follow_links: bool = False,
) -> IngestReport:
    """Ingest files and folders (recursively; hidden entries are ignored) into ``store``.

    Only regular files are read. Symbolic links are never followed out of the folder
    being ingested; ``follow_links`` follows those that stay inside. Files under the given
    folders that disappeared, or can no longer be read, lose their chunks. Everything left
    out is listed in ``IngestReport.skipped`` with the reason.
    """
    roots = _roots(paths)
    _check_chunk_size(store.settings, store.embedder)
    files = _found(roots, store.settings, follow_links)
    stored = _stored_sources(store)
    report = IngestReport()
    writer = _Writer(store, report)
    with _progress_bar(progress, len(files)) as advance:
        for path, reason in files.items():
            state = stored.pop(str(path), None)
            if reason is None:
                _ingest_file(path, state, writer, report)
            else:
                _skip(path, reason, None, state, writer, report)
            advance(path)
    writer.flush()
    for source, state in stored.items():
        if _in_scope(source, roots):
            writer.remove(sorted(state.ids))
            report.removed.append(source)
        elif state.complete(_fingerprint(store.settings)):
            writer.files[source] = FileState(sha=next(iter(state.versions))[0])
    fingerprint = _fingerprint(store.settings)
    manifest.write(
        store.settings, manifest.Manifest(store.embedder.name, fingerprint, writer.files)
    )
    return report


def ingest_unchanged(
    settings: StoreSettings,
    paths: Sequence[str | os.PathLike[str]],
    embedder: TextEmbedder,
    *,
    follow_links: bool = False,
) -> IngestReport | None:
    """The report of a rerun that has nothing to do, answered from the store's record
    (see :mod:`interlace.tools.retrieval.manifest`) without opening the store or loading
    the embedder; ``None`` when a file changed, appeared or disappeared (or there is no
    record): then :func:`ingest_paths` must run."""
    roots = _roots(paths)
    _check_chunk_size(settings, embedder)
    record = manifest.read(settings)
    if record is None or (record.embedder, record.fingerprint) != (
        embedder.name,
        _fingerprint(settings),
    ):
        return None
    files = _found(roots, settings, follow_links)
    report = IngestReport()
    for path, left_out in files.items():
        state = record.files.get(str(path))
        if state is None:
            return None
        if left_out is not None:  # a link or a special file: the walk's reason decides
            if state.reason != left_out:
                return None
            report.skipped.append(SkippedFile(str(path), left_out))
        elif not path.is_file() or not _same(path, state):
            return None
        elif state.reason is not None:
            report.skipped.append(SkippedFile(str(path), state.reason))
        else:
            report.unchanged.append(str(path))
    walked = {str(path) for path in files}
    gone = [s for s, state in record.files.items() if state.sha and s not in walked]
    return None if any(_in_scope(source, roots) for source in gone) else report


def _stat(path: Path) -> tuple[int, int] | None:
    try:
        return manifest.file_stat(path)
    except OSError:
        return None


def _same(path: Path, state: FileState) -> bool:
    if state.reason is not None:
        return state.stat is not None and _stat(path) == state.stat
    return hashlib.sha256(path.read_bytes()).hexdigest() == state.sha


def _roots(paths: Sequence[str | os.PathLike[str]]) -> list[Path]:
    if not paths:
        raise UsageError("nothing to ingest: pass at least one file or folder")
    roots = [Path(p).expanduser().resolve() for p in paths]
    missing = [str(p) for p in roots if not p.exists()]
    if missing:
        raise UsageError(f"cannot ingest {', '.join(missing)}: no such file or folder")
    return roots


def _check_chunk_size(settings: StoreSettings, embedder: TextEmbedder) -> None:
    limit, readable = settings.chunking.max_tokens, embedder.max_tokens
    if limit > readable:
        raise ConfigError(
            f"chunking.max_tokens is {limit} but embedder {embedder.name!r} reads at "
            f"most {readable} tokens; lower chunking.max_tokens to {readable} or less"
        )


def _store_dir(settings: StoreSettings) -> Path | None:
    return settings.path.resolve() if settings.mode == "persistent" else None


def _found(
    roots: list[Path], settings: StoreSettings, follow_links: bool
) -> dict[Path, str | None]:
    """Every path under ``roots`` with why it is left out (``None``: read it), sorted."""
    return dict(sorted(walk(roots, _store_dir(settings), follow_links=follow_links)))


def _in_scope(source: str, roots: list[Path]) -> bool:
    path = Path(source)
    return any(path == root or root in path.parents for root in roots)


def _fingerprint(settings: StoreSettings) -> str:
    chunking = settings.chunking
    return f"{CHUNKER_VERSION}:{chunking.max_tokens}:{chunking.overlap_tokens}"


def _stored_sources(store: VectorStore) -> dict[str, _Stored]:
    sources: dict[str, _Stored] = {}
    for chunk_id, _, meta in store.records():
        state = sources.setdefault(str(meta.get("source", "")), _Stored())
        state.ids.add(chunk_id)
        state.versions.add((str(meta.get("file_sha")), str(meta.get("chunking"))))
        state.expected = int(meta.get("n_chunks", -1))
    return sources


def _ingest_file(path: Path, state: _Stored | None, writer: _Writer, report: IngestReport) -> None:
    source = str(path)
    seen = _stat(path)  # before reading: a later change shows as a changed stat
    try:
        document = load_file(path, max_bytes=writer.store.settings.chunking.max_file_bytes)
    except SkipFile as skip:
        _skip(path, skip.reason, seen, state, writer, report)
        return
    writer.files[source] = FileState(sha=document.sha256)
    version = (document.sha256, _fingerprint(writer.store.settings))
    if state is not None and state.versions == {version} and len(state.ids) == state.expected:
        report.unchanged.append(source)
        return
    chunks = chunk_document(document, writer.store.settings.chunking, writer.store.embedder)
    wanted = {chunk.id for chunk in chunks}
    old = state.ids if state is not None else set()
    writer.remove(sorted(old - wanted))
    shape = (len(chunks), chunks[0].id if chunks else "")  # chunk count, lead chunk
    writer.retag([c for c in chunks if c.id in old], document, version, shape)
    writer.queue([c for c in chunks if c.id not in old], document, version, shape)
    (report.updated if state is not None else report.added).append(source)


def _skip(
    path: Path,
    reason: str,
    seen: tuple[int, int] | None,
    state: _Stored | None,
    writer: _Writer,
    report: IngestReport,
) -> None:
    """Leave ``path`` out (its old chunks go too), say why, and record it."""
    report.skipped.append(SkippedFile(str(path), reason))
    writer.files[str(path)] = FileState(stat=seen, reason=reason)
    if state is not None:
        writer.remove(sorted(state.ids))


class _Writer:
    """Batches chunk additions across files so the embedder sees full batches."""

    def __init__(self, store: VectorStore, report: IngestReport) -> None:
        self.store = store
        self.report = report
        self.files: dict[str, FileState] = {}
        self.ids: list[str] = []
        self.texts: list[str] = []
        self.metadatas: list[dict[str, Any]] = []

    def queue(
        self,
        chunks: list[Chunk],
        document: Document,
        version: tuple[str, str],
        shape: tuple[int, str],
    ) -> None:
        for chunk in chunks:
            self.ids.append(chunk.id)
            self.texts.append(chunk.text)
            self.metadatas.append(_metadata(chunk, document, version, shape))
        if len(self.ids) >= FLUSH_CHUNKS:
            self.flush()

    def retag(
        self,
        chunks: list[Chunk],
        document: Document,
        version: tuple[str, str],
        shape: tuple[int, str],
    ) -> None:
        """Record the new file version on chunks that did not change."""
        metadatas = [_metadata(chunk, document, version, shape) for chunk in chunks]
        self.store.update_metadata([chunk.id for chunk in chunks], metadatas)

    def flush(self) -> None:
        self.store.add(self.ids, self.texts, self.metadatas)
        self.report.chunks_added += len(self.ids)
        self.ids, self.texts, self.metadatas = [], [], []

    def remove(self, ids: list[str]) -> None:
        self.store.delete(ids)
        self.report.chunks_removed += len(ids)


def _metadata(
    chunk: Chunk, document: Document, version: tuple[str, str], shape: tuple[int, str]
) -> dict[str, Any]:
    total, lead = shape
    meta: dict[str, Any] = {
        "source": document.source,
        "lead": lead,
        "title": document.title,
        "kind": document.kind,
        "heading": chunk.heading,
        "index": chunk.index,
        "n_chunks": total,
        "file_sha": version[0],
        "chunking": version[1],
    }
    if chunk.page is not None:
        meta["page"] = chunk.page
    return meta


@contextmanager
def _progress_bar(enabled: bool, total: int) -> Iterator[Any]:
    if not enabled:
        yield lambda path: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    columns = (
        TextColumn("ingesting"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
    )
    with Progress(*columns, transient=True) as bar:
        task = bar.add_task("", total=total)
        yield lambda path: bar.update(task, advance=1, description=Path(path).name)

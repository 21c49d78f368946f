"""File tools (read, list, search and, when allowed, write) confined to one root folder.

Paths are relative to the root. Absolute paths, ``..`` and symbolic links that lead
outside the root are refused; listing and searching skip such links. Every path is opened
race-free beneath the root (see :mod:`.beneath`) and the tools then work on the open
descriptor, so swapping a file for a link while a tool runs cannot escape either.
"""

from __future__ import annotations

import errno
import fnmatch
import os
import stat
from pathlib import Path

from ..function import Tool, tool
from .beneath import READ, WRITE, PathRefused, Root, split_relative

__all__ = ["MAX_FILE_BYTES", "MAX_READ_CHARS", "PathRefused", "file_tools"]

MAX_READ_CHARS = 100_000
MAX_FILE_BYTES = 2_000_000


def _display(parts: list[str]) -> str:
    return "/".join(parts) or "."


def _read_bytes(root: Root, parts: list[str], shown: str) -> bytes:
    """The bytes of regular file ``parts`` (at most :data:`MAX_FILE_BYTES`)."""
    try:
        fd = root.open(parts, READ)
    except (FileNotFoundError, NotADirectoryError):
        raise FileNotFoundError(f"no file {shown!r} in the workspace") from None
    with open(fd, "rb", closefd=True) as handle:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file"
            raise FileNotFoundError(f"{shown!r} is {kind}, not a file")
        if info.st_size > MAX_FILE_BYTES:
            raise ValueError(f"{shown!r} is larger than {MAX_FILE_BYTES} bytes")
        return handle.read(MAX_FILE_BYTES + 1)


def _write_text(root: Root, parts: list[str], shown: str, content: str, append: bool) -> None:
    data = content.encode("utf-8")
    if not parts:
        raise IsADirectoryError("give a file name to write")
    not_regular = IsADirectoryError(f"{shown!r} is not a regular file; cannot write to it")
    try:
        fd = root.open(parts, WRITE | (os.O_APPEND if append else 0), make_parents=True)
    except OSError as error:
        if error.errno in (errno.ENXIO, errno.EISDIR):  # a FIFO without reader, a folder
            raise not_regular from None
        raise
    with open(fd, "ab" if append else "wb", closefd=True) as handle:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise not_regular
        if (info.st_size if append else 0) + len(data) > MAX_FILE_BYTES:
            raise ValueError(f"{shown!r} would be larger than {MAX_FILE_BYTES} bytes")
        if not append:
            os.ftruncate(fd, 0)
        handle.write(data)


def file_tools(root: str | Path, *, writable: bool = False) -> list[Tool]:
    """``read_file``, ``list_files`` and ``search_files`` confined to ``root``, plus
    ``write_file`` when ``writable``."""
    base = Root(root)

    @tool(idempotent=True)
    def read_file(path: str, offset: int = 0, max_chars: int = 20_000) -> str:
        """Read a text file inside the workspace.

        Args:
            path: File path relative to the workspace root, such as "notes.txt".
            offset: Character offset to start reading from.
            max_chars: Maximum number of characters to return (at most 100000).
        """
        parts = split_relative(path)
        text = _read_bytes(base, parts, path).decode("utf-8", errors="replace")
        limit = max(0, min(max_chars, MAX_READ_CHARS))
        chunk = text[max(offset, 0) : max(offset, 0) + limit]
        rest = len(text) - max(offset, 0) - len(chunk)
        return chunk + (f"\n[... {rest} more characters; read on with offset]" if rest > 0 else "")

    @tool(idempotent=True)
    def list_files(path: str = ".", pattern: str = "*", recursive: bool = False) -> list[str]:
        """List files and folders inside the workspace (folders end with "/").

        Args:
            path: Folder relative to the workspace root.
            pattern: Glob pattern the names must match, such as "*.md".
            recursive: Whether to include files in sub-folders.
        """
        parts = _folder(base, path)
        if recursive:
            return [_display(f) for f in base.walk(parts) if fnmatch.fnmatch(f[-1], pattern)]
        return [
            _display([*parts, name]) + ("/" if is_folder else "")
            for name, is_folder in base.entries(parts)
            if fnmatch.fnmatch(name, pattern)
        ]

    @tool(idempotent=True)
    def search_files(query: str, path: str = ".", pattern: str = "*", max_results: int = 50) -> str:
        """Search text files inside the workspace for lines containing a string.

        Args:
            query: Text to look for (case-insensitive), such as "TODO".
            path: Folder relative to the workspace root.
            pattern: Glob pattern the file names must match, such as "*.py".
            max_results: Maximum number of matching lines to return.
        """
        if not query:
            raise ValueError("query must not be empty")
        parts = split_relative(path)
        files = base.walk(parts) if _is_folder(base, parts) else iter([parts])
        needle, hits = query.lower(), []
        for file in files:
            if not fnmatch.fnmatch(file[-1] if file else "", pattern):
                continue
            try:
                lines = _read_bytes(base, file, _display(file)).decode("utf-8").splitlines()
            except (UnicodeDecodeError, ValueError, OSError):
                continue  # binary, too large, or swapped for something else meanwhile
            for number, line in enumerate(lines, 1):
                if needle in line.lower():
                    hits.append(f"{_display(file)}:{number}: {line.strip()[:200]}")
                    if len(hits) >= max_results:
                        return "\n".join(hits)
        return "\n".join(hits) if hits else f"no lines contain {query!r}"

    @tool
    def write_file(path: str, content: str, append: bool = False) -> str:
        """Write a text file inside the workspace (folders are created as needed).

        Args:
            path: File path relative to the workspace root.
            content: The text to write.
            append: Add to the end of the file instead of replacing it.
        """
        parts = split_relative(path)
        _write_text(base, parts, path, content, append)
        return f"{'appended' if append else 'wrote'} {len(content)} characters to {_display(parts)}"

    tools = [read_file, list_files, search_files]
    return [*tools, write_file] if writable else tools


def _folder(root: Root, path: str) -> list[str]:
    parts = split_relative(path)
    if not _is_folder(root, parts):
        raise NotADirectoryError(f"no folder {path!r} in the workspace")
    return parts


def _is_folder(root: Root, parts: list[str]) -> bool:
    return root.kind(parts) == stat.S_IFDIR

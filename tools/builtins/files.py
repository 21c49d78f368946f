"""File tools (read, list, search text) confined to one root directory.

Paths are relative to the root. Absolute paths, ``..`` components and symbolic links
that lead outside the root are refused; listing and searching skip such links.
"""

from __future__ import annotations

import fnmatch
import os
from pathlib import Path, PurePosixPath

from interlace.protocols.errors import UsageError

from ..function import Tool, tool

MAX_READ_CHARS = 100_000
MAX_FILE_BYTES = 2_000_000


class PathRefused(UsageError, PermissionError):
    """A path points outside the root, or is not allowed."""


class FileRoot:
    """A directory the file tools may see; :meth:`resolve` enforces the confinement."""

    def __init__(self, root: str | Path) -> None:
        path = Path(root).expanduser()
        if not path.is_dir():
            raise UsageError(f"file tools root {str(path)!r} is not a directory; create it first")
        self.root = path.resolve(strict=True)

    def resolve(self, relative: str) -> Path:
        """The real path for ``relative``, or :class:`PathRefused`."""
        text = relative.strip() or "."
        if "\x00" in text:
            raise PathRefused("paths must not contain NUL characters")
        if (
            text.startswith(("/", "\\", "~"))
            or PurePosixPath(text).is_absolute()
            or (len(text) > 1 and text[1] == ":")
        ):
            raise PathRefused(
                f"absolute path {relative!r} refused; use a path relative to the root"
            )
        parts = text.replace("\\", "/").split("/")
        if ".." in parts:
            raise PathRefused(f"path {relative!r} uses '..'; paths must stay inside the root")
        real = (self.root / text).resolve(strict=False)
        if not self.contains(real):
            raise PathRefused(f"path {relative!r} leads outside the root (through a link)")
        return real

    def contains(self, real: Path) -> bool:
        """Whether the resolved ``real`` path lies inside the root."""
        return real == self.root or real.is_relative_to(self.root)

    def display(self, real: Path) -> str:
        """``real`` relative to the root, with forward slashes."""
        return real.relative_to(self.root).as_posix() or "."

    def walk(self, start: Path) -> list[Path]:
        """Files under ``start`` whose real paths stay inside the root, sorted."""
        found: list[Path] = []
        for directory, dirnames, filenames in os.walk(start, followlinks=False):
            dirnames[:] = sorted(d for d in dirnames if self._inside(Path(directory, d)))
            for name in sorted(filenames):
                path = Path(directory, name)
                if self._inside(path):
                    found.append(path)
        return found

    def _inside(self, path: Path) -> bool:
        return self.contains(path.resolve(strict=False))


def file_tools(root: str | Path) -> list[Tool]:
    """``read_file``, ``list_files`` and ``search_files`` confined to ``root``."""
    base = FileRoot(root)

    @tool(idempotent=True)
    def read_file(path: str, offset: int = 0, max_chars: int = 20_000) -> str:
        """Read a text file inside the workspace.

        Args:
            path: File path relative to the workspace root.
            offset: Character offset to start reading from.
            max_chars: Maximum number of characters to return (at most 100000).
        """
        real = base.resolve(path)
        if not real.is_file():
            raise FileNotFoundError(f"no file {path!r} in the workspace")
        if real.stat().st_size > MAX_FILE_BYTES:
            raise ValueError(f"{path!r} is larger than {MAX_FILE_BYTES} bytes")
        text = real.read_text(encoding="utf-8", errors="replace")
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
        real = base.resolve(path)
        if not real.is_dir():
            raise NotADirectoryError(f"no folder {path!r} in the workspace")
        if recursive:
            files = base.walk(real)
            return [base.display(p) for p in files if fnmatch.fnmatch(p.name, pattern)]
        entries = []
        for child in sorted(real.iterdir()):
            if not fnmatch.fnmatch(child.name, pattern) or not base.contains(child.resolve()):
                continue
            entries.append(base.display(child) + ("/" if child.is_dir() else ""))
        return entries

    @tool(idempotent=True)
    def search_files(query: str, path: str = ".", pattern: str = "*", max_results: int = 50) -> str:
        """Search text files inside the workspace for lines containing a string.

        Args:
            query: Text to look for (case-insensitive).
            path: Folder relative to the workspace root.
            pattern: Glob pattern the file names must match, such as "*.py".
            max_results: Maximum number of matching lines to return.
        """
        if not query:
            raise ValueError("query must not be empty")
        real = base.resolve(path)
        files = base.walk(real) if real.is_dir() else [real]
        needle, hits = query.lower(), []
        for file in files:
            if not fnmatch.fnmatch(file.name, pattern) or file.stat().st_size > MAX_FILE_BYTES:
                continue
            try:
                lines = file.read_text(encoding="utf-8").splitlines()
            except (UnicodeDecodeError, OSError):
                continue
            for number, line in enumerate(lines, 1):
                if needle in line.lower():
                    hits.append(f"{base.display(file)}:{number}: {line.strip()[:200]}")
                    if len(hits) >= max_results:
                        return "\n".join(hits)
        return "\n".join(hits) if hits else f"no lines contain {query!r}"

    return [read_file, list_files, search_files]

"""Paths opened beneath one directory, race-free.

The root is opened once. A path under it is resolved one component at a time, each
opened with ``O_NOFOLLOW`` relative to the descriptor of its parent, so the kernel never
follows a symbolic link for us: a link is read and its target resolved the same way
(``..`` pops our own stack of descriptors; it never asks the disk). A link that leads
outside the root, or a file swapped for such a link while a tool runs, is refused.
Callers get a descriptor and work on it, never on the path again.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import weakref
from collections import deque
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from interlace.protocols.errors import UsageError

MAX_LINKS = 40
"""Symbolic links followed while resolving one path (the kernel's own limit)."""

_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_DIRECTORY = os.O_RDONLY | os.O_DIRECTORY | _CLOEXEC
READ = os.O_RDONLY | os.O_NONBLOCK | _CLOEXEC
"""Open for reading without blocking on a FIFO (callers check the file type)."""
WRITE = os.O_WRONLY | os.O_CREAT | os.O_NONBLOCK | _CLOEXEC
"""Open for writing, creating the file; never truncates before the type is checked."""


class PathRefused(UsageError, PermissionError):
    """A path points outside the root, or is not allowed."""


def split_relative(relative: str) -> list[str]:
    """The components of a path a caller gave, or :class:`PathRefused`.

    Absolute paths, ``~``, drive letters, NUL and ``..`` are refused: paths are relative
    to the root and stay inside it. ``\\`` separates components like ``/``.
    """
    text = relative.strip() or "."
    if "\x00" in text:
        raise PathRefused("paths must not contain NUL characters")
    if (
        text.startswith(("/", "\\", "~"))
        or PurePosixPath(text).is_absolute()
        or (len(text) > 1 and text[1] == ":")
    ):
        raise PathRefused(f"absolute path {relative!r} refused; use a path relative to the root")
    parts = [part for part in text.replace("\\", "/").split("/") if part not in ("", ".")]
    if ".." in parts:
        raise PathRefused(f"path {relative!r} uses '..'; paths must stay inside the root")
    return parts


class Root:
    """A directory held open; :meth:`open` resolves paths beneath it without races."""

    def __init__(self, path: str | Path) -> None:
        folder = Path(path).expanduser()
        if not folder.is_dir():
            raise UsageError(f"file tools root {str(folder)!r} is not a directory; create it first")
        self.path = folder.resolve(strict=True)
        self._fd = os.open(self.path, _DIRECTORY)
        self._closer = weakref.finalize(self, os.close, self._fd)

    def close(self) -> None:
        """Release the root's descriptor (also done when the object is collected)."""
        self._closer()

    def open(self, parts: list[str], flags: int, *, make_parents: bool = False) -> int:
        """A descriptor for ``parts`` (components under the root) opened with ``flags``.

        Links are followed only while they stay beneath the root. ``make_parents``
        creates missing folders on the way (for writes). Raises :class:`PathRefused` for
        a way out, ``OSError`` for what the file system says (missing, not a folder).
        """
        stack = [os.dup(self._fd)]
        pending = deque(parts)
        hops = 0
        try:
            while pending:
                name = pending.popleft()
                if name == "..":  # only from link targets: the caller's own are refused
                    if len(stack) == 1:
                        raise _outside(parts)
                    os.close(stack.pop())
                    continue
                last = not pending
                try:
                    fd = _open_at(stack[-1], name, flags if last else _DIRECTORY, make_parents)
                except OSError as error:
                    target = _link_target(stack[-1], name, error)
                    hops += 1
                    if hops > MAX_LINKS:
                        raise OSError(
                            errno.ELOOP, f"too many links in {'/'.join(parts)!r}"
                        ) from None
                    # A link: resolve its target here. ``None``: it changed meanwhile, retry.
                    more = [name] if target is None else self._link_parts(target, stack, parts)
                    pending.extendleft(reversed(more))
                    continue
                stack.append(fd)
            return stack.pop()
        finally:
            for fd in stack:
                os.close(fd)

    def _link_parts(self, target: str, stack: list[int], parts: list[str]) -> list[str]:
        """The components a link's ``target`` adds; an absolute target must name a place
        under the root (the walk restarts at the root), or it is refused."""
        if not target.startswith("/"):
            return target.split("/")
        inside = PurePosixPath(target)
        if not inside.is_relative_to(self.path):
            raise _outside(parts)
        while len(stack) > 1:
            os.close(stack.pop())
        return list(inside.relative_to(self.path).parts)

    def entries(self, parts: list[str]) -> Iterator[tuple[str, bool]]:
        """``(name, is_folder)`` for each regular file and folder in folder ``parts``,
        sorted; links appear as what they lead to, and only while that is beneath the root.
        Hidden names are listed; FIFOs, sockets and devices are not."""
        fd = self.open(parts, _DIRECTORY)
        try:
            with os.scandir(fd) as scan:
                found = sorted((entry.name, entry.is_symlink()) for entry in scan)
            for name, is_link in found:
                kind = self._link_kind([*parts, name]) if is_link else _kind_at(fd, name)
                if kind is not None:
                    yield name, kind == stat.S_IFDIR
        finally:
            os.close(fd)

    def walk(self, parts: list[str]) -> Iterator[list[str]]:
        """The files under folder ``parts``, depth first and sorted; descends real
        folders only (a link to a folder is not entered, so no walk can loop)."""
        for name, is_folder in self.entries(parts):
            child = [*parts, name]
            if not is_folder:
                yield child
            elif self._is_real_folder(parts, name):
                yield from self.walk(child)

    def _is_real_folder(self, parts: list[str], name: str) -> bool:
        fd = self.open(parts, _DIRECTORY)
        try:
            return _kind_at(fd, name) == stat.S_IFDIR
        finally:
            os.close(fd)

    def kind(self, parts: list[str]) -> int | None:
        """``S_IFREG`` / ``S_IFDIR`` for what ``parts`` leads to; ``None`` when it is
        missing or neither a regular file nor a folder; :class:`PathRefused` outside."""
        try:
            fd = self.open(parts, READ)
        except PathRefused:
            raise
        except OSError:
            return None
        try:
            return _usable(os.fstat(fd).st_mode)
        finally:
            os.close(fd)

    def _link_kind(self, parts: list[str]) -> int | None:
        try:
            return self.kind(parts)
        except PathRefused:
            return None


def _open_at(directory: int, name: str, flags: int, make_parents: bool) -> int:
    try:
        return os.open(name, flags | os.O_NOFOLLOW, 0o666, dir_fd=directory)
    except FileNotFoundError:
        if not (make_parents and flags == _DIRECTORY):
            raise
    with contextlib.suppress(FileExistsError):
        os.mkdir(name, 0o777, dir_fd=directory)
    return os.open(name, flags | os.O_NOFOLLOW, dir_fd=directory)


def _link_target(directory: int, name: str, error: OSError) -> str | None:
    """The target of link ``name`` after opening it failed with ``error``; ``None`` when
    it stopped being a link meanwhile (a race: try again); re-raises ``error`` otherwise."""
    try:
        return os.readlink(name, dir_fd=directory)
    except OSError:
        if error.errno == errno.ELOOP:
            return None
        raise error from None


def _kind_at(directory: int, name: str) -> int | None:
    try:
        mode = os.stat(name, dir_fd=directory, follow_symlinks=False).st_mode
    except OSError:
        return None
    return _usable(mode)


def _usable(mode: int) -> int | None:
    kind = stat.S_IFMT(mode)
    return kind if kind in (stat.S_IFREG, stat.S_IFDIR) else None


def _outside(parts: list[str]) -> PathRefused:
    return PathRefused(f"path {'/'.join(parts)!r} leads outside the root (through a link)")

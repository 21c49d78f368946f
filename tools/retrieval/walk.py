"""Which files an ingest reads: regular files under the given folders, and nothing else.

A symbolic link is never followed out of the folder being ingested; links that stay
inside are followed only when asked (``follow_links``). FIFOs, sockets and devices are
never opened (reading a FIFO would block forever). Every entry left out comes back with a
one-line reason for the ingest report. Hidden entries (``.name``) are ignored.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

Found = tuple[Path, str | None]
"""A path and why it is skipped (``None``: ingest it)."""

FOLLOW_HINT = "pass --follow-links (follow_links=True) to follow links that stay inside"
_SPECIAL = {
    stat.S_IFIFO: "a FIFO",
    stat.S_IFSOCK: "a socket",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
}


def walk(roots: list[Path], excluded: Path | None, *, follow_links: bool) -> Iterator[Found]:
    """Every file under ``roots`` (folders, or files named directly) with its skip reason.

    ``excluded`` (the store's own folder) is never entered.
    """
    for root in roots:
        if root.is_dir():
            yield from _folder(root, root.resolve(), excluded, follow_links, {root.resolve()})
        else:
            yield root, _not_regular(os.stat(root).st_mode)


def _folder(
    folder: Path, root: Path, excluded: Path | None, follow: bool, seen: set[Path]
) -> Iterator[Found]:
    try:
        with os.scandir(folder) as scan:
            entries = sorted((e for e in scan if not e.name.startswith(".")), key=_name)
    except OSError as error:
        yield folder, f"unreadable folder: {error.strerror or error}"
        return
    for entry in entries:
        path = Path(entry.path)
        if entry.is_symlink():
            yield from _link(path, root, excluded, follow, seen)
        elif entry.is_dir(follow_symlinks=False):
            if path.resolve() != excluded:
                yield from _folder(path, root, excluded, follow, seen | {path.resolve()})
        else:
            yield path, _not_regular(entry.stat(follow_symlinks=False).st_mode)


def _link(
    path: Path, root: Path, excluded: Path | None, follow: bool, seen: set[Path]
) -> Iterator[Found]:
    target = path.resolve()
    shown = os.readlink(path)
    if not target.is_relative_to(root):
        yield path, f"symbolic link to {shown} leads outside the ingested folder; never followed"
    elif not follow:
        yield path, f"symbolic link to {shown}, not followed; {FOLLOW_HINT}"
    elif not target.exists():
        yield path, f"symbolic link to {shown}, which does not exist"
    elif target.is_dir():
        if target not in seen and target != excluded:  # else a loop, or the store itself
            yield from _folder(path, root, excluded, follow, seen | {target})
    else:
        yield path, _not_regular(target.stat().st_mode)


def _not_regular(mode: int) -> str | None:
    if stat.S_ISREG(mode):
        return None
    what = _SPECIAL.get(stat.S_IFMT(mode), "not a regular file")
    return f"{what}, not a regular file; not read"


def _name(entry: os.DirEntry[str]) -> str:
    return entry.name

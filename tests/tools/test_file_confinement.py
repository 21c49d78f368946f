"""File tools stay inside their root: under a racing link swap, for FIFOs, for writes, and
for any layout of links and any relative path Hypothesis can think of."""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from interlace.protocols import ToolCall
from interlace.tools.builtins import file_tools
from interlace.tools.function import Tool

SECRET = "OUTSIDE SECRET"
READS = 10_000


def _tools(root: Path, *, writable: bool = True) -> dict[str, Tool]:
    return {item.name: item for item in file_tools(root, writable=writable)}


def _swap_forever(root: Path, stop: threading.Event) -> None:
    """Flip ``race.txt`` between a real file and a link to ``../outside.txt``, atomically."""
    link, real = root / ".link", root / ".real"
    while not stop.is_set():
        os.symlink("../outside.txt", link)
        os.replace(link, root / "race.txt")
        real.write_text("inside\n")
        os.replace(real, root / "race.txt")


async def test_read_file_never_escapes_a_racing_link_swap(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    (tmp_path / "outside.txt").write_text(SECRET + "\n")
    (root / "race.txt").write_text("inside\n")
    read_file = _tools(root)["read_file"]
    stop = threading.Event()
    swapper = threading.Thread(target=_swap_forever, args=(root, stop), daemon=True)
    swapper.start()
    outcomes = {"inside": 0, "refused": 0, "escaped": 0}
    try:
        for index in range(READS):
            call = ToolCall(id=str(index), name="read_file", arguments={"path": "race.txt"})
            result = await read_file.run(call)
            if SECRET in result.text:
                outcomes["escaped"] += 1
            elif result.is_error:
                outcomes["refused"] += 1
            else:
                assert result.text == "inside\n"
                outcomes["inside"] += 1
    finally:
        stop.set()
        swapper.join()
    assert outcomes["escaped"] == 0, outcomes
    assert outcomes["inside"] > 0, outcomes  # both states were really seen: the race ran
    assert outcomes["refused"] > 0, outcomes


def test_fifo_and_other_special_files_are_refused_without_blocking(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "note.txt").write_text("hello pipe\n")
    tools = _tools(tmp_path)
    with pytest.raises(FileNotFoundError, match="not a regular file"):
        tools["read_file"](path="pipe")
    assert tools["list_files"]() == ["note.txt"]
    assert tools["search_files"](query="pipe") == "note.txt:1: hello pipe"
    with pytest.raises(IsADirectoryError, match="not a regular file"):
        tools["write_file"](path="pipe", content="x")


def test_write_file_stays_inside_and_follows_only_inner_links(tmp_path: Path) -> None:
    root, outside = tmp_path / "root", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (outside / "target.txt").write_text("untouched\n")
    os.symlink("../outside/target.txt", root / "out_link.txt")
    os.symlink(outside, root / "out_dir")
    os.symlink("notes/today.md", root / "in_link.md")
    write = _tools(root)["write_file"]
    assert write(path="notes/today.md", content="one\n") == "wrote 4 characters to notes/today.md"
    assert write(path="in_link.md", content="two\n", append=True).startswith("appended 4")
    assert (root / "notes" / "today.md").read_text() == "one\ntwo\n"
    for path in ("out_link.txt", "out_dir/new.txt", "../outside/target.txt", "/tmp/x"):
        with pytest.raises(PermissionError):
            write(path=path, content="pwned\n")
    assert (outside / "target.txt").read_text() == "untouched\n"
    assert sorted(p.name for p in outside.iterdir()) == ["target.txt"]


def test_write_file_needs_writable(tmp_path: Path) -> None:
    assert "write_file" not in _tools(tmp_path, writable=False)


# --- Hypothesis: random layouts of links and random paths ---------------------------------

NAMES = ["a", "b", "x.txt", ".h", "a b"]
LINK_TARGETS = [
    "x.txt",
    "a",
    "a/x.txt",
    "..",
    "../outside",
    "../outside/secret.txt",
    "../../etc",
    "a/../..",
    "./a/../../outside",
    "missing",
    "{outside}/secret.txt",
    "{outside}",
    "{root}/x.txt",
    "{root}/../outside/secret.txt",
    "b",  # may loop with other links
]
relative_paths = st.lists(
    st.sampled_from([*NAMES, "..", ".", "", "outside", "secret.txt"]), min_size=0, max_size=4
).map("/".join)
entries = st.tuples(
    st.lists(st.sampled_from(NAMES), min_size=1, max_size=2).map("/".join),
    st.sampled_from(["file", "folder", "link"]),
    st.sampled_from(LINK_TARGETS),
)
operations = st.lists(
    st.tuples(st.sampled_from(["read", "list", "list_r", "search", "write"]), relative_paths),
    min_size=1,
    max_size=8,
)


def _build(base: Path, layout: list[tuple[str, str, str]]) -> tuple[Path, Path]:
    root, outside = base / "root", base / "outside"
    root.mkdir()
    outside.mkdir()
    (outside / "secret.txt").write_text(SECRET + "\n")
    (outside / "outside-only.txt").write_text(SECRET + "\n")
    for relative, kind, target in layout:
        path = root / relative
        parent = root / relative.split("/")[0] if "/" in relative else root
        if parent.is_symlink() or os.path.lexists(path):
            continue  # never build through a link: the layout itself must stay inside
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except FileExistsError:
            continue  # the parent is a file
        if kind == "file":
            path.write_text(f"inside {relative}\n")
        elif kind == "folder":
            path.mkdir()
        else:
            os.symlink(target.format(root=root, outside=outside), path)
    return root, outside


def _snapshot(folder: Path) -> dict[str, str]:
    return {str(p): p.read_text() for p in folder.rglob("*") if p.is_file()}


def _names(value: object) -> Iterator[str]:
    if isinstance(value, list):
        for item in value:
            yield from str(item).rstrip("/").split("/")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(layout=st.lists(entries, max_size=8), steps=operations)
def test_nothing_outside_the_root_is_read_listed_or_written(
    layout: list[tuple[str, str, str]], steps: list[tuple[str, str]]
) -> None:
    base = Path(tempfile.mkdtemp())
    try:
        root, outside = _build(base, layout)
        before = _snapshot(outside)
        tools = _tools(root)
        calls = {
            "read": lambda p: tools["read_file"](path=p),
            "list": lambda p: tools["list_files"](path=p),
            "list_r": lambda p: tools["list_files"](path=p, recursive=True),
            "search": lambda p: tools["search_files"](query="secret", path=p),
            "write": lambda p: tools["write_file"](path=p, content="written\n", append=True),
        }
        for operation, path in steps:
            try:
                value = calls[operation](path)
            except (OSError, ValueError):
                continue  # refused or missing: an error is fine, a leak is not
            assert SECRET not in str(value), (operation, path, value)
            assert "outside-only.txt" not in set(_names(value)), (operation, path, value)
        assert _snapshot(outside) == before
    finally:
        shutil.rmtree(base)

"""Ingest stays in its folder: links out are never followed, links in only when asked,
FIFOs, sockets and devices are never opened, and the report says why for each."""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from interlace.tools.retrieval import IngestReport, VectorStore, ingest_paths

SHADOW = "root:*:20228:0:99999:7:::"


@pytest.fixture
def linked(docs: Path, tmp_path: Path) -> Path:
    """``docs`` plus links out of it (file, folder, absolute and relative), links inside
    it, a dangling link and a link loop."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "shadow").write_text(SHADOW + "\n")
    (docs / "sub").mkdir()
    (docs / "sub" / "note.md").write_text("# Note\n\nOwls hunt at night.\n")
    (docs / "link_out.txt").symlink_to(outside / "shadow")
    (docs / "rel_out.txt").symlink_to("../outside/shadow")
    (docs / "dir_out").symlink_to(outside)
    (docs / "sub" / "up").symlink_to("../../outside")
    (docs / "link_in.md").symlink_to("sub/note.md")
    (docs / "dir_in").symlink_to("sub")
    (docs / "dangling.md").symlink_to("nowhere.md")
    (docs / "sub" / "loop").symlink_to("..")
    return docs


def _texts(store: VectorStore) -> str:
    return "\n".join(text for _, text, _ in store.records())


def _names(report: IngestReport, root: Path) -> tuple[set[str], dict[str, str]]:
    added = {str(Path(p).relative_to(root)) for p in report.added}
    skipped = {str(Path(s.path).relative_to(root)): s.reason for s in report.skipped}
    return added, skipped


OUT = ("link_out.txt", "rel_out.txt", "dir_out", "sub/up")


def test_links_out_of_the_folder_are_never_followed(
    make_store: Callable[..., VectorStore], linked: Path
) -> None:
    store = make_store()
    added, skipped = _names(ingest_paths(store, [linked], progress=False), linked)
    assert added == {"fruit.txt", "guide.md", "page.html", "sub/note.md"}
    for name in OUT:
        assert "leads outside the ingested folder; never followed" in skipped[name], name
    for name in ("link_in.md", "dir_in", "dangling.md", "sub/loop"):
        assert "not followed; pass --follow-links" in skipped[name], name
    assert SHADOW not in _texts(store)


def test_follow_links_follows_only_links_that_stay_inside(
    make_store: Callable[..., VectorStore], linked: Path
) -> None:
    store = make_store()
    report = ingest_paths(store, [linked], progress=False, follow_links=True)
    added, skipped = _names(report, linked)
    assert {"link_in.md", "dir_in/note.md", "sub/note.md"} <= added
    assert not any(name.startswith("sub/loop/") for name in added)  # the loop is not walked
    assert set(skipped) == {*OUT, "dir_in/up", "dangling.md"}
    assert "does not exist" in skipped["dangling.md"]
    assert SHADOW not in _texts(store)


def test_fifo_and_socket_are_skipped_without_blocking(
    make_store: Callable[..., VectorStore], docs: Path
) -> None:
    os.mkfifo(docs / "pipe.txt")
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(docs / "sock.txt"))
    store, reports = make_store(), []
    worker = threading.Thread(
        target=lambda: reports.append(ingest_paths(store, [docs], progress=False)), daemon=True
    )
    worker.start()
    worker.join(timeout=120)
    if worker.is_alive():  # unblock the reader so that the test ends, then fail
        with open(docs / "pipe.txt", "w"):
            pass
        worker.join()
        pytest.fail("ingest blocked on a FIFO")
    listener.close()
    added, skipped = _names(reports[0], docs)
    assert added == {"fruit.txt", "guide.md", "page.html"}
    assert skipped == {
        "pipe.txt": "a FIFO, not a regular file; not read",
        "sock.txt": "a socket, not a regular file; not read",
    }
    assert (
        ingest_paths(store, [docs / "pipe.txt"], progress=False)
        .skipped[0]
        .reason.startswith("a FIFO")
    )

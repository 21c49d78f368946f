"""A long-lived store sees what another process ingests: no stale or deleted chunks."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

from interlace.tools.retrieval import VectorStore, ingest_paths

REINGEST = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from interlace.tools.retrieval import StoreSettings, ingest_paths, open_store

    store_path, doc = Path(sys.argv[1]), Path(sys.argv[2])
    doc.write_text("Bananas turn brown when they are overripe.\\n")
    with open_store(StoreSettings(path=store_path, device="cpu")) as store:
        print(ingest_paths(store, [doc.parent], progress=False).summary())
    """
)


def test_search_after_another_process_reingests_a_changed_file(
    make_store: Callable[..., VectorStore], docs: Path, tmp_path: Path
) -> None:
    store = make_store()  # the long-lived process: a server or a chat holding the store
    ingest_paths(store, [docs], progress=False)
    chunks = store.count()
    for mode in ("dense", "bm25", "hybrid"):
        assert "yellow" in store.search("bananas", 1, mode=mode)[0].text  # type: ignore[arg-type]
    fruit = docs / "fruit.txt"  # one chunk before and after: the chunk count stays
    done = subprocess.run(
        [sys.executable, "-c", REINGEST, str(tmp_path / "store"), str(fruit)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "1 updated" in done.stdout
    for mode in ("dense", "bm25", "hybrid"):
        hits = store.search("overripe bananas", 2, mode=mode)  # type: ignore[arg-type]
        assert hits[0].text == "Bananas turn brown when they are overripe.", mode
        assert all("yellow" not in hit.text for hit in hits), mode
    assert store.count() == chunks


def test_documents_are_scored_as_documents(
    make_store: Callable[..., VectorStore], tmp_path: Path
) -> None:
    folder = tmp_path / "faq"
    folder.mkdir()
    (folder / "short.txt").write_text("Debian releases get security updates for three years.\n")
    long_text = "\n\n".join(
        f"The Debian archive mirror network number {n} copies packages every six hours, "
        "so downloads stay close to users." + " Mirrors sync from the master." * 8
        for n in range(6)
    )
    (folder / "mirrors.md").write_text(
        f"# Mirrors\n\n{long_text}\n\n## Updates\n\nMirrors receive updates every few hours.\n"
    )
    store = make_store(chunking={"max_tokens": 64, "overlap_tokens": 8})
    ingest_paths(store, [folder], progress=False)
    found = store.search_documents("How long do Debian releases get security updates?", 2)
    assert [Path(d.source).name for d in found] == ["short.txt", "mirrors.md"]
    assert found[0].best.text.startswith("Debian releases get security updates")
    assert 1 <= len(found[1].passages) <= 2
    assert found[0].score == found[0].best.score >= found[1].score
    assert found[1].passages[0].score >= found[1].passages[-1].score

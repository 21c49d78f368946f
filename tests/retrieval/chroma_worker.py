"""One of two processes that write to one ``chroma run`` server at once.

``python -m tests.retrieval.chroma_worker PORT COLLECTION FOLDER GO`` opens the store,
prints ``ready``, waits for the file GO, then ingests the folder's files one by one,
searching for each right after adding it; it prints a JSON report at the end.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from interlace.tools.retrieval import StoreSettings, VectorStore, ingest_paths, open_store


def ingest_and_check(store: VectorStore, folder: Path) -> dict[str, int]:
    """Add each file, then search its code word: how many were added and found at once."""
    added = found = 0
    for path in sorted(folder.glob("*.txt")):
        added += len(ingest_paths(store, [path], progress=False).added)
        word = path.stem
        hits = store.search(word, 1, mode="bm25")
        found += bool(hits) and hits[0].source.endswith(path.name)
    return {"added": added, "found": found}


def main(port: str, collection: str, folder: str, go: str) -> None:
    settings = StoreSettings(mode="http", port=int(port), collection=collection, device="cpu")
    with open_store(settings) as store:
        print("ready", flush=True)
        deadline = time.monotonic() + 120
        while not Path(go).exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        print(json.dumps(ingest_and_check(store, Path(folder))), flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:])

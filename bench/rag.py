"""Retrieval benchmarks: ingestion and query speed against raw Chroma, and quality.

Run from the repository root: ``python bench/rag.py`` (``--quick`` for a smaller run).

* Ingestion chunks/s of ``ingest_paths`` vs a raw sentence-transformers + Chroma script
  over the same chunks (interleaved rounds, best of each).
* Query latency p50/p95 of ``store.search(mode="dense")`` vs a raw Chroma query with the
  same embedding model (interleaved per query).
* Quality on the Debian FAQ (``apt-get download debian-faq`` + ``dpkg -x`` into a temp
  folder): each question heading is a query, its answer section (heading removed) the one
  relevant document. recall@1, recall@5 and MRR for BM25, dense and hybrid.
"""

from __future__ import annotations

import gzip
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from interlace.runtimes.embeddings import get_embedder
from interlace.tools.retrieval import StoreSettings, ingest_paths, open_store
from interlace.tools.retrieval.chunking import chunk_document
from interlace.tools.retrieval.loaders import load_file
from interlace.tools.retrieval.hits import index_text


def bench(name: str, value: float, unit: str, target: str) -> None:
    print(f"BENCH rag.{name} {value:.3f} {unit} target {target}", flush=True)


# --- Debian FAQ ---------------------------------------------------------------------------


def debian_faq(folder: Path) -> list[tuple[str, str]]:
    """(question, answer) pairs from the debian-faq package's plain-text FAQ."""
    subprocess.run(
        ["apt-get", "download", "debian-faq"], cwd=folder, check=True, capture_output=True
    )
    deb = next(folder.glob("debian-faq*.deb"))
    subprocess.run(["dpkg", "-x", str(deb), str(folder / "x")], check=True)
    found = sorted((folder / "x").rglob("debian-faq.en.txt*"))
    if not found:
        raise SystemExit("no plain-text FAQ (debian-faq.en.txt) in the package")
    raw = found[0].read_bytes()
    text = gzip.decompress(raw).decode() if found[0].suffix == ".gz" else raw.decode()
    return _questions(text)


_HEADING = re.compile(r"^(\d+(?:\.\d+)+)\.\s+(\S.*)$")
_CHAPTER = re.compile(r"^Chapter \d+\.")


def _questions(text: str) -> list[tuple[str, str]]:
    """Numbered body headings at column 0 (possibly wrapped) that end in '?', each with
    the text up to the next heading."""
    sections: list[tuple[str, list[str]]] = []
    in_heading = False
    for line in text.splitlines():
        match = _HEADING.match(line)
        if match:
            sections.append((match.group(2).strip(), []))
            in_heading = True
        elif _CHAPTER.match(line):
            sections.append(("", []))
            in_heading = False
        elif sections and in_heading and line.strip() and not line[0].isspace():
            title, body = sections[-1]
            sections[-1] = (f"{title} {line.strip()}", body)
        elif sections:
            in_heading = False
            sections[-1][1].append(line)
    return [
        (title, "\n".join(body).strip())
        for title, body in sections
        if title.endswith("?") and len(" ".join(body).split()) >= 5
    ]


def quality(pairs: list[tuple[str, str]], work: Path) -> None:
    corpus = work / "faq"
    corpus.mkdir()
    for n, (_, answer) in enumerate(pairs):
        (corpus / f"q{n:03d}.txt").write_text(answer)
    settings = StoreSettings(path=work / "quality", collection="faq", top_k=5)
    with open_store(settings) as store:
        ingest_paths(store, [corpus], progress=False)
        print(f"debian-faq: {len(pairs)} questions, {store.count()} chunks")
        for mode in ("bm25", "dense", "hybrid"):
            ranks = []
            for n, (question, _) in enumerate(pairs):
                hits = store.search(question, 20, mode=mode, threshold=None)  # type: ignore[arg-type]
                files = list(dict.fromkeys(Path(h.source).name for h in hits))
                name = f"q{n:03d}.txt"
                ranks.append(files.index(name) + 1 if name in files else 0)
            at1 = sum(r == 1 for r in ranks) / len(ranks)
            at5 = sum(0 < r <= 5 for r in ranks) / len(ranks)
            mrr = sum(1 / r for r in ranks if r) / len(ranks)
            bench(f"recall_at_1_{mode}", at1, "fraction", ">=0.0")
            bench(f"recall_at_5_{mode}", at5, "fraction", ">=0.80" if mode == "hybrid" else ">=0.0")
            bench(f"mrr_{mode}", mrr, "fraction", ">=0.0")


# --- speed --------------------------------------------------------------------------------


def raw_ingest(client: Any, name: str, texts: list[str], metas: list[dict[str, Any]]) -> float:
    """The baseline: embed the same chunks with sentence-transformers, add to Chroma."""
    model = get_embedder().model
    start = time.perf_counter()
    collection = client.get_or_create_collection(
        name, embedding_function=None, configuration={"hnsw": {"space": "cosine"}}
    )
    vectors = model.encode(
        texts,
        batch_size=64,
        normalize_embeddings=True,
        convert_to_numpy=True,
        show_progress_bar=False,
    )
    step = client.get_max_batch_size()
    for i in range(0, len(texts), step):
        collection.add(
            ids=[f"c{j}" for j in range(i, min(i + step, len(texts)))],
            embeddings=vectors[i : i + step],
            documents=texts[i : i + step],
            metadatas=metas[i : i + step],
        )
    return time.perf_counter() - start


def speed(corpus: Path, work: Path, rounds: int) -> None:
    import chromadb
    from chromadb.config import Settings

    embedder = get_embedder()
    files = sorted(corpus.iterdir())
    chunks = []
    settings = StoreSettings(path=work / "speed")
    for path in files:
        document = load_file(path, max_bytes=settings.chunking.max_file_bytes)
        for chunk in chunk_document(document, settings.chunking, embedder):
            chunks.append((index_text(chunk.text, {"heading": chunk.heading}), chunk.text))
    texts = [c[0] for c in chunks]
    metas = [{"source": "x"} for _ in chunks]
    embedder.embed(texts[:64])  # warm up
    ours, raw = [], []
    client = chromadb.PersistentClient(str(work / "raw"), Settings(anonymized_telemetry=False))
    for n in range(rounds):
        raw.append(raw_ingest(client, f"raw{n}", texts, metas))
        with open_store(settings.model_copy(update={"collection": f"ours{n}"})) as store:
            start = time.perf_counter()
            report = ingest_paths(store, [corpus], progress=False)
            ours.append(time.perf_counter() - start)
            assert report.chunks_added == len(chunks), (report.chunks_added, len(chunks))
    ours_rate, raw_rate = len(chunks) / min(ours), len(chunks) / min(raw)
    print(f"ingest: {len(chunks)} chunks; interlace {ours_rate:.1f}/s, raw {raw_rate:.1f}/s")
    bench("ingest_chunks_per_s_vs_raw", ours_rate / raw_rate, "ratio", ">=0.9")
    queries(client, settings.model_copy(update={"collection": "ours0"}), texts)


def queries(client: Any, settings: StoreSettings, texts: list[str]) -> None:
    model = get_embedder().model
    raw = client.get_collection("raw0")
    questions = [t.split(".")[0][:80] for t in texts[:: max(1, len(texts) // 60)]]
    ours_t, raw_t = [], []
    with open_store(settings) as store:
        store.search(questions[0], 5, mode="dense")
        for question in questions:
            start = time.perf_counter()
            vector = model.encode(
                [question],
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
            raw.query(
                query_embeddings=vector,
                n_results=5,
                include=["documents", "metadatas", "distances"],
            )
            raw_t.append(time.perf_counter() - start)
            start = time.perf_counter()
            store.search(question, 5, mode="dense")
            ours_t.append(time.perf_counter() - start)
        hybrid = []
        for question in questions:
            start = time.perf_counter()
            store.search(question, 5, mode="hybrid")
            hybrid.append(time.perf_counter() - start)
    p50 = statistics.median(ours_t) / statistics.median(raw_t)
    p95 = _p95(ours_t) / _p95(raw_t)
    print(
        f"query ms p50/p95: interlace dense {statistics.median(ours_t) * 1e3:.1f}/"
        f"{_p95(ours_t) * 1e3:.1f}, raw {statistics.median(raw_t) * 1e3:.1f}/"
        f"{_p95(raw_t) * 1e3:.1f}, interlace hybrid {statistics.median(hybrid) * 1e3:.1f}/"
        f"{_p95(hybrid) * 1e3:.1f}"
    )
    bench("query_p50_vs_raw", p50, "ratio", "<=1.1")
    bench("query_p95_vs_raw", p95, "ratio", "<=1.1")


def _p95(values: list[float]) -> float:
    return sorted(values)[int(0.95 * (len(values) - 1))]


def main() -> None:
    quick = "--quick" in sys.argv
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        pairs = debian_faq(work)
        if quick:
            pairs = pairs[:60]
        quality(pairs, work)
        speed(work / "faq", work, rounds=2 if quick else 3)


if __name__ == "__main__":
    main()

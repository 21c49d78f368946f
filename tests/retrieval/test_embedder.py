"""The embedder's ONNX path is faithful to sentence-transformers and loads nothing heavy."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np

from interlace.runtimes import onnx_embedding
from interlace.runtimes.embeddings import Embedder, packaged_model_path

TEXTS = [
    "How do I share one vector store in a team?",
    "Bananas are yellow fruit rich in potassium.",
    "ok",
    "Chunks never cross a heading or a page. " * 60,  # longer than the model reads
]


def test_onnx_vectors_match_pytorch(embedder: Embedder) -> None:
    assert embedder.uses_onnx
    ours = embedder.embed(TEXTS, batch_size=3)
    reference = embedder.model.encode(TEXTS, normalize_embeddings=True, convert_to_numpy=True)
    cosines = (ours * reference).sum(axis=1)
    assert float(cosines.min()) >= 1.0 - onnx_embedding.TOLERANCE, cosines
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    hf = embedder.model.tokenizer(TEXTS, add_special_tokens=False)["input_ids"]
    assert embedder.count_tokens(TEXTS) == [len(ids) for ids in hf]


def test_only_mean_pooled_transformers_take_the_onnx_path(tmp_path: Path) -> None:
    assert onnx_embedding.supported(packaged_model_path())
    other = tmp_path / "cls-model"
    other.mkdir()
    for item in packaged_model_path().iterdir():
        if item.name != "1_Pooling":
            (other / item.name).symlink_to(item)
    (other / "1_Pooling").mkdir()
    pooling = {"word_embedding_dimension": 384, "pooling_mode_cls_token": True}
    (other / "1_Pooling" / "config.json").write_text(json.dumps(pooling))
    assert not onnx_embedding.supported(other)  # CLS pooling: sentence-transformers runs it
    assert not onnx_embedding.supported(tmp_path)


def test_embedding_a_query_imports_no_torch() -> None:
    code = (
        "import sys\n"
        "from interlace.runtimes.embeddings import get_embedder\n"
        "e = get_embedder()\n"
        "assert e.embed(['hello']).shape == (1, 384)\n"
        "print(sorted(m for m in ('torch', 'transformers', 'sentence_transformers')"
        " if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[]"

